import { setImmediate as tick } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { MConnection } from '../src/mconn/mconnection.js'
import type { MConnectionInit } from '../src/mconn/options.js'
import { PING_PACKET } from '../src/mconn/packet-codec.js'
import { INITIAL_WRITE_BUFFER_SIZE, WRITE_BUFFER_SIZE, WriteBuffer } from '../src/mconn/write-buffer.js'
import { memoryStreamPair, ScriptedByteStream as RecordingStream } from './helpers/memory-stream.js'
import { closedAfterEach, until } from './helpers/mconn.js'

/* The batch buffer is held only while there is something to send (idle connections hold none). */

const SIZE = 4096
function writeBuffer(idle: () => boolean, flushThrottleMs = 0): { out: WriteBuffer; stream: RecordingStream } {
  const stream = new RecordingStream()
  const listener = {
    idle,
    blocked() {},
    drained() {},
    failed(err: unknown) {
      throw err
    }
  }
  const out = new WriteBuffer(stream, flushThrottleMs, listener, 0, SIZE)
  return { out, stream }
}

/** Appends `n` bytes of `fill`, as the send loop writes a packet. */
function put(out: WriteBuffer, n: number, fill: number): void {
  if (!out.fits(n)) out.reserve(n)
  out.buf.fill(fill, out.len, out.len + n)
  out.len += n
}

function activeResources(): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
  return out
}

describe('WriteBuffer: lazy batch buffer', () => {
  it('allocates nothing until the first packet, then one buffer of the batch size', () => {
    const { out } = writeBuffer(() => true)
    expect(out.buf.length).toBe(0)
    expect(out.fits(1)).toBe(false)
    expect(out.reserve(100)).toBe(false)
    expect(out.buf.length).toBe(SIZE)
    expect(out.fits(SIZE)).toBe(true)
  })

  it('a small flush that leaves nothing queued releases the buffer; the next packet allocates a new one', () => {
    const { out, stream } = writeBuffer(() => true)
    put(out, 100, 7)
    const first = out.buf
    out.flush()
    expect(out.buf.length).toBe(0)
    expect(stream.written).toHaveLength(1)
    expect(stream.written[0]).toEqual(new Uint8Array(100).fill(7))
    // What was handed over is a copy: not a view of the released buffer.
    expect(stream.written[0]?.buffer).not.toBe(first.buffer)
    put(out, 50, 9)
    expect(out.buf.length).toBe(SIZE)
    expect(out.buf).not.toBe(first)
    out.flush()
    expect(stream.written[1]).toEqual(new Uint8Array(50).fill(9))
    expect(out.bytesWritten).toBe(150)
  })

  it('a small flush while something is still queued keeps the buffer (reused under load)', () => {
    let queued = true
    const { out, stream } = writeBuffer(() => !queued)
    put(out, 100, 1)
    const buf = out.buf
    out.flush()
    expect(out.buf).toBe(buf)
    put(out, 100, 2)
    expect(out.buf).toBe(buf)
    queued = false
    out.flush()
    expect(out.buf.length).toBe(0)
    expect(stream.written.map((c) => c[0])).toEqual([1, 2])
  })

  it('a large flush hands the buffer itself to the stream and allocates the next one only when needed', () => {
    const { out, stream } = writeBuffer(() => false)
    put(out, SIZE / 2, 3)
    const buf = out.buf
    out.flush()
    expect(stream.written[0]?.buffer).toBe(buf.buffer)
    expect(stream.written[0]?.length).toBe(SIZE / 2)
    expect(out.buf.length).toBe(0)
    put(out, 10, 4)
    expect(out.buf.length).toBe(SIZE)
    expect(out.buf.buffer).not.toBe(buf.buffer)
  })

  it('reserve flushes a full batch before making room and says so', () => {
    const { out, stream } = writeBuffer(() => false)
    put(out, SIZE - 10, 5)
    expect(out.fits(20)).toBe(false)
    expect(out.reserve(20)).toBe(true)
    expect(stream.written).toHaveLength(1)
    expect(out.len).toBe(0)
    expect(out.fits(20)).toBe(true)
  })

  it('a ping with nothing buffered goes out alone, without allocating the buffer', () => {
    // Not idle (say the rate limiter holds messages back): a buffer allocated now would be kept.
    const { out, stream } = writeBuffer(() => false)
    out.writeNow(PING_PACKET)
    expect(out.buf.length).toBe(0)
    expect(stream.written).toEqual([PING_PACKET])
    // A copy: the shared constant is never handed to a stream that may keep or change it.
    expect(stream.written[0]).not.toBe(PING_PACKET)
  })

  it('a ping behind buffered packets joins their batch in one write, then the idle buffer is released', () => {
    const { out, stream } = writeBuffer(() => true, 10_000)
    put(out, 30, 6)
    out.schedule()
    out.writeNow(PING_PACKET)
    expect(stream.written).toHaveLength(1)
    expect(stream.written[0]?.length).toBe(30 + PING_PACKET.length)
    expect(stream.written[0]?.subarray(30)).toEqual(PING_PACKET)
    expect(out.buf.length).toBe(0)
    out.stop()
  })

  it('stop drops the buffer and the pending flush timer; nothing is written or allocated after it', async () => {
    await tick()
    const before = activeResources()
    const { out, stream } = writeBuffer(() => true, 10_000)
    put(out, 30, 8)
    out.schedule()
    out.stop()
    expect(out.buf.length).toBe(0)
    expect(activeResources().Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0)
    expect(out.reserve(10)).toBe(false)
    expect(out.buf.length).toBe(0)
    out.writeNow(PING_PACKET)
    out.flush()
    expect(stream.written).toHaveLength(0)
  })
})

/**
 * The MConnection's write buffer (private fields; these tests are about its lifetime): none at
 * all until the first write builds the send path.
 */
const NONE = { buf: new Uint8Array(0), len: 0, bytesWritten: 0 } as WriteBuffer
const batch = (conn: MConnection): WriteBuffer => (conn as unknown as { sender?: { out: WriteBuffer } }).sender?.out ?? NONE

const open = closedAfterEach()

function pair(init: MConnectionInit): { a: MConnection; b: MConnection; received: Uint8Array[] } {
  const [sa, sb] = memoryStreamPair()
  const channels = [
    { id: 0x20, priority: 1, sendQueueCapacity: 100 },
    { id: 0x21, priority: 5, sendQueueCapacity: 100 }
  ]
  const a = new MConnection(sa, channels, init)
  const b = new MConnection(sb, channels, init)
  open.push(a, b)
  const received: Uint8Array[] = []
  a.start({ onReceive() {}, onClose() {} })
  b.start({ onReceive: (_ch, m) => received.push(m.slice()), onClose() {} })
  return { a, b, received }
}

describe('MConnection: the batch buffer follows the traffic', () => {
  it('a started idle connection holds none; a send allocates it, the throttled flush releases it, the next send allocates again', async () => {
    const { a, received } = pair({ sendRate: 0, recvRate: 0, flushThrottleMs: 30 })
    await tick()
    expect(batch(a).buf.length).toBe(0)
    expect(a.trySend(0x20, new Uint8Array(2000).fill(1))).toBe(true)
    await Promise.resolve()
    // Written into the batch, waiting for the flush throttle.
    const first = batch(a).buf
    // The first batch after idle is a small one.
    expect(first.length).toBe(INITIAL_WRITE_BUFFER_SIZE)
    expect(batch(a).len).toBeGreaterThan(2000)
    await until(() => received.length === 1, 'first message')
    expect(batch(a).buf.length).toBe(0)
    expect(a.trySend(0x21, new Uint8Array(10).fill(2))).toBe(true)
    await Promise.resolve()
    expect(batch(a).buf.length).toBe(INITIAL_WRITE_BUFFER_SIZE)
    expect(batch(a).buf).not.toBe(first)
    await until(() => received.length === 2, 'second message')
    expect(batch(a).buf.length).toBe(0)
    expect(received).toEqual([new Uint8Array(2000).fill(1), new Uint8Array(10).fill(2)])
  })

  it('after a burst larger than the batch, every message arrives and the idle connection keeps no buffer', async () => {
    const { a, received } = pair({ sendRate: 0, recvRate: 0, flushThrottleMs: 0 })
    const sent: Uint8Array[] = []
    for (let i = 0; i < 300; i++) {
      const m = new Uint8Array(700 + (i % 5) * 100).fill(i & 0xff)
      sent.push(m)
      expect(await a.send(i % 2 === 0 ? 0x20 : 0x21, m)).toBe(true)
    }
    await until(() => received.length === sent.length, 'the burst')
    expect(received.map((m) => m.length).reduce((x, y) => x + y)).toBe(sent.map((m) => m.length).reduce((x, y) => x + y))
    expect(batch(a).bytesWritten).toBeGreaterThan(2 * WRITE_BUFFER_SIZE)
    expect(batch(a).buf.length).toBe(0)
  })

  it('pings and pongs on an idle connection do not allocate the buffer', async () => {
    const { a, b } = pair({ sendRate: 0, recvRate: 0, flushThrottleMs: 0, pingIntervalMs: 100, pongTimeoutMs: 80 })
    await until(() => batch(a).bytesWritten >= 2 && batch(b).bytesWritten >= 2, 'pings and pongs', 2000)
    await new Promise((r) => setTimeout(r, 50))
    expect(a.running && b.running).toBe(true)
    expect(batch(a).buf.length).toBe(0)
    expect(batch(b).buf.length).toBe(0)
  })

  it('closing with a throttled flush pending leaves no timer and releases the buffer', async () => {
    await tick()
    const before = activeResources()
    const { a, b } = pair({ sendRate: 0, recvRate: 0, flushThrottleMs: 60_000, pingIntervalMs: 60_000, pongTimeoutMs: 45_000 })
    expect(a.trySend(0x20, new Uint8Array(100))).toBe(true)
    await Promise.resolve()
    // Batched, its flush a minute away.
    expect(batch(a).len).toBeGreaterThan(0)
    await Promise.all([a.close(), b.close()])
    await tick()
    await tick()
    expect(batch(a).buf.length).toBe(0)
    const after = activeResources()
    for (const [kind, n] of Object.entries(after)) expect(n, kind).toBeLessThanOrEqual(before[kind] ?? 0)
  })
})

describe('WriteBuffer: a small first batch grows instead of flushing', () => {
  it('starts at initialSize, grows x4 (keeping its bytes) while a burst fills it, and writes one batch of size', () => {
    const stream = new RecordingStream()
    const listener = { idle: () => true, blocked() {}, drained() {}, failed(err: unknown) { throw err } }
    const out = new WriteBuffer(stream, 0, listener, 0, 4 * 4 * 1024, 1024)
    put(out, 300, 1)
    expect(out.buf.length).toBe(1024)
    for (let i = 2; i <= 40; i++) put(out, 300, i)
    // 12,000 bytes: grown 1 -> 4 -> 16 KiB with nothing written yet, every byte kept in order.
    expect(stream.written).toHaveLength(0)
    expect(out.buf.length).toBe(16 * 1024)
    expect(out.buf.subarray(0, out.len)).toEqual(Uint8Array.from({ length: 12_000 }, (_, k) => Math.floor(k / 300) + 1))
    for (let i = 41; i <= 60; i++) put(out, 300, i)
    // Full at 16 KiB: one write of the whole batch, then a new batch of full size.
    expect(stream.written).toHaveLength(1)
    expect(stream.written[0]?.length).toBe(54 * 300)
    out.flush()
    expect(out.buf.length).toBe(0)
    put(out, 10, 1)
    expect(out.buf.length).toBe(1024)
  })
})
