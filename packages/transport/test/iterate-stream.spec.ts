import { describe, expect, it } from 'vitest'
import { duplexPair, iterateByteStream, secretHandshake } from '../src/index.js'
import { testIdentity } from './helpers/identity.js'
import { ScriptedByteStream } from './helpers/memory-stream.js'

async function collect(it: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = []
  for await (const c of it) out.push(...c)
  return out
}

describe('iterateByteStream', () => {
  it('yields chunks in order and ends when the stream ends cleanly', async () => {
    const s = new ScriptedByteStream()
    const done = collect(iterateByteStream(s))
    s.push([1, 2])
    s.push([3])
    await Promise.resolve()
    s.push([4])
    s.handlers?.onEnd()
    expect(await done).toEqual([1, 2, 3, 4])
  })

  it('throws the stream error after the bytes that came before it', async () => {
    const s = new ScriptedByteStream()
    const seen: number[] = []
    const done = (async () => {
      for await (const c of iterateByteStream(s)) seen.push(...c)
    })()
    s.push([9])
    s.handlers?.onEnd(Object.assign(new Error('bad frame'), { name: 'ProtocolError' }))
    await expect(done).rejects.toMatchObject({ name: 'ProtocolError' })
    expect(seen).toEqual([9])
  })

  it('pauses the stream above the high-water mark and resumes once drained', async () => {
    const s = new ScriptedByteStream()
    const it = iterateByteStream(s, { highWaterMark: 4 })[Symbol.asyncIterator]()
    const first = it.next()
    s.push([1, 2, 3])
    expect((await first).value).toEqual(Uint8Array.of(1, 2, 3))
    s.push([4, 5, 6])
    s.push([7, 8, 9])
    expect(s.paused).toBe(true)
    await it.next()
    await it.next()
    expect(s.paused).toBe(false)
    await it.return(undefined)
    expect(s.closed).toBe(true)
  })

  it('closes the stream and throws AbortError when the signal fires', async () => {
    const s = new ScriptedByteStream()
    const ac = new AbortController()
    const done = collect(iterateByteStream(s, { signal: ac.signal }))
    s.push([1])
    ac.abort()
    await expect(done).rejects.toMatchObject({ name: 'AbortError' })
    expect(s.closed).toBe(true)
  })

  it('reads a SecretConnection with for await', async () => {
    const [left, right] = duplexPair()
    const [a, b] = await Promise.all([secretHandshake(left, testIdentity().nodeKey), secretHandshake(right, testIdentity().nodeKey)])
    a.start({ onData: () => {}, onEnd: () => {} })
    const payload = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff)
    a.write(payload)
    const received: number[] = []
    for await (const chunk of iterateByteStream(b)) {
      received.push(...chunk)
      if (received.length >= payload.length) break
    }
    expect(received).toEqual(Array.from(payload))
    expect(b.closed).toBe(true)
    a.close()
  })
})
