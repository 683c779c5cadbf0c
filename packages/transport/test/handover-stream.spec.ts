import { describe, expect, it, vi } from 'vitest'
import { MConnection } from '../src/mconn/mconnection.js'
import { encodePacket } from '../src/mconn/packet-codec.js'
import { HandoverStream } from '../src/stream/handover-stream.js'
import { ScriptedByteStream as ScriptedStream } from './helpers/memory-stream.js'

/** A HandoverStream that has read one delimited message from `hex`; the rest stays buffered. */
async function afterOneMessage(hex: string): Promise<{ inner: ScriptedStream; h: HandoverStream }> {
  const inner = new ScriptedStream()
  const h = new HandoverStream(inner)
  const reading = h.readDelimited(10)
  inner.push(hex)
  await reading
  return { inner, h }
}

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
    await Promise.resolve()
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
    await Promise.resolve()
    expect(events).toEqual(['02', 'end:reset'])
  })

  it('steps off the path at the handover: the inner stream calls the consumer, handedOverTo names it', async () => {
    const inner = new ScriptedStream()
    const h = new HandoverStream(inner)
    const reading = h.readDelimited(10)
    inner.push('01aa')
    await reading
    expect(h.handedOverTo).toBeUndefined()
    const consumer = {
      got: [] as string[],
      onData(c: Uint8Array) {
        // A method using `this`: the handover keeps it bound.
        this.got.push(Buffer.from(c).toString('hex'))
      },
      onEnd() {}
    }
    h.start(consumer)
    await Promise.resolve()
    expect(h.handedOverTo).toBe(inner)
    // The inner stream's handlers now are the consumer's own functions (bound), not a forwarder.
    const sink = inner.handlers as { onData: { name: string } }
    expect(sink.onData.name).toBe('bound onData')
    inner.push('bbcc')
    expect(consumer.got).toEqual(['bbcc'])
  })

  it('an MConnection over it reads and writes the inner stream directly after start', async () => {
    const inner = new ScriptedStream()
    const h = new HandoverStream(inner)
    const frontWrite = vi.spyOn(h, 'write')
    const conn = new MConnection(h, [{ id: 1, priority: 1 }], { sendRate: 0, recvRate: 0, flushThrottleMs: 0 })
    const received: string[] = []
    conn.start({ onReceive: (_ch, m) => received.push(Buffer.from(m).toString('hex')), onClose() {} })
    await Promise.resolve()
    inner.push(encodePacket({ type: 'msg', channelId: 1, eof: true, data: Uint8Array.of(7) }))
    expect(received).toEqual(['07'])
    expect(conn.trySend(1, Uint8Array.of(9))).toBe(true)
    await new Promise((r) => setImmediate(r))
    expect(inner.written.length).toBeGreaterThan(0)
    expect(frontWrite).not.toHaveBeenCalled()
    await conn.close()
    expect(inner.closed).toBe(true)
  })

  it('delivers bytes that came early only after start returns, in order with bytes that follow', async () => {
    const { inner, h } = await afterOneMessage('01aa0b0c')
    const got: string[] = []
    h.start({ onData: (c) => got.push(Buffer.from(c).toString('hex')), onEnd: () => got.push('end') })
    // A caller still admitting the peer sees nothing yet (a started SecretConnection behaves so).
    expect(got).toEqual([])
    h.resume()
    inner.push('0d')
    await Promise.resolve()
    inner.push('0e')
    expect(got).toEqual(['0b0c', '0d', '0e'])
  })

  it('a consumer that pauses before or during the hand-over stays paused', async () => {
    const { inner, h } = await afterOneMessage('01aa0b')
    h.start({ onData: () => h.pause(), onEnd: () => {} })
    await Promise.resolve()
    expect(inner.paused).toBe(true)
    const h2 = new HandoverStream(new ScriptedStream())
    h2.start({ onData: () => {}, onEnd: () => {} })
    h2.pause()
    await Promise.resolve()
    expect((h2.handedOverTo as ScriptedStream).paused).toBe(true)
  })
})
