import { describe, expect, it } from 'vitest'
import { HandoverStream } from '../src/stream/handover-stream.js'
import { ScriptedByteStream as ScriptedStream } from './helpers/memory-stream.js'

describe('HandoverStream', () => {
  it('reads a delimited message split across chunks, then hands over the bytes that followed', async () => {
    const inner = new ScriptedStream()
    const s = new HandoverStream(inner)
    expect(inner.paused).toBe(true)
    const reading = s.readDelimited(100)
    expect(inner.paused).toBe(false)
    inner.push('05aabb')
    inner.push('ccddee0102')
    expect(Buffer.from(await reading).toString('hex')).toBe('aabbccddee')
    expect(inner.paused).toBe(true)
    const got: string[] = []
    s.start({ onData: (c) => got.push(Buffer.from(c).toString('hex')), onEnd: () => got.push('end') })
    expect(inner.paused).toBe(false)
    inner.push('03')
    inner.end()
    expect(got).toEqual(['0102', '03', 'end'])
  })

  it('rejects a length prefix over the limit before the body arrives', async () => {
    const scripted = new ScriptedStream()
    const h = new HandoverStream(scripted)
    const reading = h.readDelimited(10)
    scripted.push('0b')
    await expect(reading).rejects.toMatchObject({ name: 'MessageTooLargeError', size: 11, limit: 10 })
  })

  it('rejects with ConnectionClosedError when the stream ends mid-message', async () => {
    const scripted = new ScriptedStream()
    const h = new HandoverStream(scripted)
    const reading = h.readDelimited(10)
    scripted.push('05aa')
    scripted.end()
    await expect(reading).rejects.toMatchObject({ name: 'ConnectionClosedError' })
  })

  it('honours its abort signal', async () => {
    const h = new HandoverStream(new ScriptedStream())
    const ac = new AbortController()
    const reading = h.readDelimited(10, { signal: ac.signal })
    ac.abort()
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('delivers an end that came before the handover', async () => {
    const scripted = new ScriptedStream()
    const h = new HandoverStream(scripted)
    const reading = h.readDelimited(10)
    scripted.push('01ff02')
    await reading
    scripted.end(new Error('reset'))
    const events: string[] = []
    h.start({ onData: (c) => events.push(Buffer.from(c).toString('hex')), onEnd: (e) => events.push(`end:${e?.message}`) })
    expect(events).toEqual(['02', 'end:reset'])
  })
})
