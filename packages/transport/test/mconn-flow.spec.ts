import { setImmediate as tick } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import { FlowRate, isUnlimitedRate } from '../src/mconn/flow-rate.js'
import { MConnection } from '../src/mconn/mconnection.js'
import { delimitedPacketMsgSize, PacketView } from '../src/mconn/packet-codec.js'
import { PacketReader } from '../src/mconn/packet-reader.js'
import { decayRecentlySent, pickChannel, type SchedulableChannel } from '../src/mconn/send-scheduler.js'
import { closedAfterEach, until } from './helpers/mconn.js'
import { collect, memoryStreamPair } from './helpers/memory-stream.js'

const open = closedAfterEach()

describe('FlowRate (Go flowrate Limit semantics, fake clock)', () => {
  it('allows round(rate × 100 ms) bytes per sample, then says how long to wait', () => {
    let now = 1_000
    const fr = new FlowRate(() => now)
    const rate = 10_000 // 1000 bytes per 100 ms sample
    expect(FlowRate.sampleAllowance(rate)).toBe(1000)
    expect(fr.delay(rate)).toBe(0)
    fr.update(999)
    expect(fr.delay(rate)).toBe(0)
    fr.update(1)
    expect(fr.delay(rate)).toBe(100)
    now += 40
    expect(fr.delay(rate)).toBe(60)
    now += 58 // the clock is rounded to 20 ms: 98 ms reads as 100 ms, a new sample
    expect(fr.delay(rate)).toBe(0)
    fr.update(5000) // one big write overshoots...
    expect(fr.delay(rate)).toBe(100)
    now += 100 // ...but only until the next sample, as in Go
    expect(fr.delay(rate)).toBe(0)
  })

  it('allows at least 1 byte per sample, and waits in whole clock steps', () => {
    let now = 0
    const fr = new FlowRate(() => now)
    expect(FlowRate.sampleAllowance(1)).toBe(1)
    expect(fr.delay(1)).toBe(0)
    fr.update(1)
    now = 85 // reads as 80 on the 20 ms clock
    expect(fr.delay(1)).toBe(20)
    now = 90 // rounds to 100: the next sample
    expect(fr.delay(1)).toBe(0)
  })

  it('limits a greedy writer to the rate over a simulated second', () => {
    for (const rate of [512_000, 5_120_000, 10_000]) {
      let now = 0
      const fr = new FlowRate(() => now)
      let sent = 0
      const packet = 1036
      while (now < 1000) {
        const wait = fr.delay(rate)
        if (wait > 0) now += wait
        else {
          fr.update(packet)
          sent += packet
        }
      }
      // Per sample the writer may overshoot the allowance by less than one packet.
      expect(sent).toBeGreaterThanOrEqual(rate * 0.9)
      expect(sent).toBeLessThanOrEqual(rate + 11 * packet)
    }
  })

  it('with carryRate, an overshoot is still owed in the next samples (Go forgets it)', () => {
    let now = 0
    const rate = 10_000 // 1000 bytes per sample
    const go = new FlowRate(() => now)
    const ours = new FlowRate(() => now, rate)
    go.update(5000)
    ours.update(5000)
    now = 100
    expect(go.delay(rate)).toBe(0)
    // 5000 bytes at 10 kB/s take 500 ms: 4000 are still owed after the first 100 ms...
    expect(ours.delay(rate)).toBe(100)
    now = 400
    expect(ours.delay(rate)).toBe(100)
    // ...and none (less than a sample's allowance) after 500.
    now = 500
    expect(ours.delay(rate)).toBe(0)
  })

  it('with carryRate, packets larger than the allowance are held to the rate', () => {
    for (const carry of [false, true]) {
      let now = 0
      const rate = 2000 // 200 bytes per sample
      const fr = new FlowRate(() => now, carry ? rate : 0)
      let sent = 0
      while (now < 10_000) {
        const wait = fr.delay(rate)
        if (wait > 0) now += wait
        else {
          fr.update(1036)
          sent += 1036
        }
      }
      // Go lets one 1036-byte packet through per 100 ms sample: 5x the rate.
      if (carry) expect(sent).toBeLessThanOrEqual(rate * 10 + 1036)
      else expect(sent).toBeGreaterThan(rate * 10 * 5)
    }
  })

  it('0, negative and Infinity mean unlimited', () => {
    for (const r of [0, -5, 0.5, Number.POSITIVE_INFINITY]) expect(isUnlimitedRate(r)).toBe(true)
    const fr = new FlowRate(() => 0)
    fr.update(1e12)
    expect(fr.delay(0)).toBe(0)
    expect(fr.delay(Number.POSITIVE_INFINITY)).toBe(0)
    expect(isUnlimitedRate(1)).toBe(false)
  })
})

describe('send scheduler', () => {
  const ch = (priority: number, recentlySent: number, pending = true): SchedulableChannel => ({
    priority,
    recentlySent,
    isSendPending: () => pending
  })

  it('picks the least recentlySent / priority among channels with something pending', () => {
    expect(pickChannel([ch(1, 100), ch(5, 400), ch(10, 700)])).toBe(2)
    expect(pickChannel([ch(1, 100), ch(5, 400), ch(10, 900)])).toBe(1)
    expect(pickChannel([ch(1, 100), ch(5, 400), ch(10, 0, false)])).toBe(1)
    expect(pickChannel([ch(1, 0, false), ch(5, 0, false)])).toBe(-1)
    expect(pickChannel([])).toBe(-1)
  })

  it('breaks ties by registration order, comparing in float32 as Go does', () => {
    expect(pickChannel([ch(1, 10), ch(2, 20), ch(1, 10)])).toBe(0)
    // 16777217 and 16777216 are the same float32: a tie, so the first wins.
    expect(pickChannel([ch(1, 16_777_217), ch(1, 16_777_216)])).toBe(0)
  })

  it('decays recentlySent by ×0.8, truncated, per 2 s period', () => {
    expect(decayRecentlySent(1000, 1)).toBe(800)
    expect(decayRecentlySent(1000, 2)).toBe(640)
    expect(decayRecentlySent(7, 1)).toBe(5)
    expect(decayRecentlySent(1, 1)).toBe(0)
    expect(decayRecentlySent(1000, 0)).toBe(1000)
  })

  it("an MConnection's recentlySent decays every 2 s of its clock", async () => {
    let now = 0
    const [sa, sb] = memoryStreamPair()
    const conn = new MConnection(sa, [{ id: 1, priority: 1 }], { sendRate: 0, recvRate: 0, flushThrottleMs: 0, now: () => now })
    open.push(conn)
    conn.start({ onReceive() {}, onClose() {} })
    const raw = collect(sb)
    conn.trySend(1, new Uint8Array(1000))
    const size = delimitedPacketMsgSize(1, true, 1000)
    await raw.waitFor(size)
    expect(conn.status().channels[0]?.recentlySent).toBe(size)
    now = 1999
    expect(conn.status().channels[0]?.recentlySent).toBe(size)
    now = 4000
    expect(conn.status().channels[0]?.recentlySent).toBe(Math.trunc(Math.trunc(size * 0.8) * 0.8))
  })

  it('on the wire, two busy channels share packets in proportion to their priorities', async () => {
    const [sa, sb] = memoryStreamPair()
    const conn = new MConnection(
      sa,
      [
        { id: 0x10, priority: 1, sendQueueCapacity: 100 },
        { id: 0x11, priority: 3, sendQueueCapacity: 100 }
      ],
      { sendRate: 0, recvRate: 0, flushThrottleMs: 0 }
    )
    open.push(conn)
    conn.start({ onReceive() {}, onClose() {} })
    const raw = collect(sb)
    for (let i = 0; i < 50; i++) {
      conn.trySend(0x10, new Uint8Array(1024))
      conn.trySend(0x11, new Uint8Array(1024))
    }
    const packetSize = delimitedPacketMsgSize(0x10, true, 1024)
    await raw.waitFor(100 * packetSize)
    const reader = new PacketReader(2000)
    reader.push(raw.bytes())
    const view = new PacketView()
    const order: number[] = []
    while (reader.next(view) > 0) order.push(view.channelId)
    // Equal packets: channel 0x11 (priority 3) sends three for each of 0x10's, 0x10 first on ties.
    expect(order.slice(0, 8)).toEqual([0x10, 0x11, 0x11, 0x11, 0x10, 0x11, 0x11, 0x11])
    const first40 = order.slice(0, 40)
    expect(first40.filter((c) => c === 0x10)).toHaveLength(10)
    // Once 0x11 is empty, 0x10 sends the rest.
    expect(order).toHaveLength(100)
  })
})

describe('MConnection rate limits (fake timers and clock)', () => {
  function fakeClock(): () => number {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    return () => Date.now()
  }

  it('the send limiter spreads a burst over time; without it everything goes at once', async () => {
    const now = fakeClock()
    const rate = 10_000 // 1000 bytes per 100 ms
    const run = async (sendRate: number): Promise<number[]> => {
      const [sa, sb] = memoryStreamPair()
      const conn = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 100 }], {
        sendRate,
        recvRate: 0,
        flushThrottleMs: 0,
        now
      })
      open.push(conn)
      conn.start({ onReceive() {}, onClose() {} })
      sb.start({ onData() {}, onEnd() {} })
      for (let i = 0; i < 100; i++) conn.trySend(1, new Uint8Array(100))
      const written: number[] = []
      for (let t = 0; t < 10; t++) {
        await vi.advanceTimersByTimeAsync(100)
        written.push(sa.bytesWritten)
      }
      return written
    }
    const unlimited = await run(0)
    const total = 100 * delimitedPacketMsgSize(1, true, 100)
    expect(unlimited[0]).toBe(total)
    const limited = await run(rate)
    // One batch of 10 packets per 100 ms sample (Go: one Limit check per 10-packet batch): the
    // first at t = 0, then one as each sample starts.
    const batch = 10 * delimitedPacketMsgSize(1, true, 100)
    expect(limited).toEqual(limited.map((_, i) => Math.min(total, (i + 2) * batch)))
    expect(limited[9]).toBe(total)
  })

  it('the receive limiter pauses the stream and resumes it in the next sample', async () => {
    const now = fakeClock()
    const [local, raw] = memoryStreamPair()
    const pause = vi.spyOn(local, 'pause')
    const resume = vi.spyOn(local, 'resume')
    const conn = new MConnection(local, [{ id: 1, priority: 1 }], { sendRate: 0, recvRate: 10_000, flushThrottleMs: 0, now })
    open.push(conn)
    let received = 0
    conn.start({ onReceive: () => received++, onClose() {} })
    const packet = new Uint8Array(delimitedPacketMsgSize(1, true, 100))
    const all = new Uint8Array(packet.length * 50)
    // 50 packets of 106 bytes = 5300 bytes arrive at once.
    const { encodePacket } = await import('../src/mconn/packet-codec.js')
    for (let i = 0; i < 50; i++) all.set(encodePacket({ type: 'msg', channelId: 1, eof: true, data: new Uint8Array(100) }), i * packet.length)
    raw.write(all)
    await tick()
    await tick()
    // One sample's allowance (1000 bytes) is 10 packets: Go checks before each packet.
    expect(received).toBe(10)
    expect(pause).toHaveBeenCalledTimes(1)
    const seen = [received]
    for (let t = 0; t < 5; t++) {
      await vi.advanceTimersByTimeAsync(100)
      seen.push(received)
    }
    // Each sample ends a little over its allowance (the check comes before a packet), and the
    // overshoot is owed in the next one: 9 packets per later sample, not Go's 10.
    expect(seen).toEqual([10, 19, 28, 37, 46, 50])
    for (let t = 0; t < seen.length; t++) expect((seen[t] as number) * packet.length).toBeLessThanOrEqual(1000 * (t + 1) + packet.length)
    expect(resume).toHaveBeenCalled()
  })
})

describe('MConnection receive limiter keeps the overshoot (fake timers and clock)', () => {
  it('packets larger than a sample allowance arrive at the rate, not one per sample', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    const now = (): number => Date.now()
    const [local, raw] = memoryStreamPair()
    const rate = 2000 // 200 bytes per 100 ms sample; each packet below is 1030 bytes
    const conn = new MConnection(local, [{ id: 1, priority: 1 }], { sendRate: 0, recvRate: rate, flushThrottleMs: 0, now })
    open.push(conn)
    let bytes = 0
    conn.start({ onReceive: (_ch, m) => (bytes += m.length), onClose() {} })
    const { encodePacket } = await import('../src/mconn/packet-codec.js')
    const packet = encodePacket({ type: 'msg', channelId: 1, eof: true, data: new Uint8Array(1024) })
    for (let i = 0; i < 40; i++) raw.write(packet)
    await vi.advanceTimersByTimeAsync(10_000)
    // 10 s at 2000 B/s is 20 kB, plus the packet let through at the start. Go's monitor, which
    // forgets the overshoot at each sample, lets one packet through per sample: all 40 (41 kB).
    expect(bytes).toBeGreaterThan(0)
    expect(bytes).toBeLessThanOrEqual(rate * 10 + 1024)
  })
})

describe('MConnection backpressure: a peer that stops reading', () => {
  it('queues fill, trySend fails at once, send times out false, and nothing accepted is lost', async () => {
    const [sa, sb] = memoryStreamPair({ highWaterMark: 4096 })
    const channels = [{ id: 1, priority: 1, sendQueueCapacity: 4 }]
    const a = new MConnection(sa, channels, { sendRate: 0, recvRate: 0, flushThrottleMs: 0, sendTimeoutMs: 50, stallTimeoutMs: 10_000 })
    const b = new MConnection(sb, channels, { sendRate: 0, recvRate: 0, flushThrottleMs: 0 })
    open.push(a, b)
    a.start({ onReceive() {}, onClose() {} })
    const received: number[] = []
    b.start({ onReceive: (_ch, m) => received.push(new DataView(m.buffer, m.byteOffset).getUint32(0)), onClose() {} })
    sb.hold()
    const accepted: number[] = []
    let n = 0
    // Fill until trySend refuses, letting the send loop run in between.
    for (let round = 0; round < 200; round++) {
      const m = new Uint8Array(2000)
      new DataView(m.buffer).setUint32(0, n)
      if (a.trySend(1, m)) accepted.push(n++)
      else break
      await tick()
    }
    expect(accepted.length).toBeGreaterThan(4)
    expect(accepted.length).toBeLessThan(200)
    const extra = new Uint8Array(2000)
    new DataView(extra.buffer).setUint32(0, 999_999)
    expect(a.trySend(1, extra)).toBe(false)
    await expect(a.send(1, extra)).resolves.toBe(false)
    expect(a.status().channels[0]?.sendQueueSize).toBeGreaterThanOrEqual(4)
    sb.release()
    await until(() => received.length === accepted.length, 'every accepted message')
    expect(received).toEqual(accepted)
    // And the queue drains: sending works again.
    await expect(a.send(1, extra)).resolves.toBe(true)
  })
})
