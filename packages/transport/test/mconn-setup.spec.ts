import type { Counter, Gauge, MetricLabels, Metrics } from '@p2p/types'
import { describe, expect, it, vi } from 'vitest'
import { mconnection } from '../src/mconn/index.js'
import { MConnection } from '../src/mconn/mconnection.js'
import { encodePacket, PING_PACKET, PONG_PACKET } from '../src/mconn/packet-codec.js'
import { closedAfterEach, until } from './helpers/mconn.js'
import { collect, memoryStreamPair } from './helpers/memory-stream.js'

/* Cheap set-up (issue 14: seeds and crawlers live on short connections) and the metrics sink. */

const FAST = { sendRate: 0, recvRate: 0, flushThrottleMs: 0 }
const open = closedAfterEach()

/** Private fields these tests are about (what a connection has built). */
const built = (c: MConnection): { sender: unknown; reader: unknown } => c as unknown as { sender: unknown; reader: unknown }

describe('MConnection set-up is lazy', () => {
  it('a connection that closes without traffic builds neither its send path nor its reader', async () => {
    const [sa, sb] = memoryStreamPair()
    const mux = mconnection(FAST)
    const a = mux(sa, [{ id: 1, priority: 1 }])
    const b = mux(sb, [{ id: 1, priority: 1 }])
    const closes: Array<Error | undefined> = []
    a.start({ onReceive() {}, onClose: (e) => closes.push(e) })
    b.start({ onReceive() {}, onClose: (e) => closes.push(e) })
    await a.close()
    await until(() => closes.length === 2, 'both closes')
    expect(built(a).sender).toBeUndefined()
    expect(built(a).reader).toBeUndefined()
    expect(built(b).sender).toBeUndefined()
  })

  it('the first message builds them, on each side as needed', async () => {
    const [sa, sb] = memoryStreamPair()
    const a = new MConnection(sa, [{ id: 1, priority: 1 }], FAST)
    const b = new MConnection(sb, [{ id: 1, priority: 1 }], FAST)
    open.push(a, b)
    let got = 0
    a.start({ onReceive() {}, onClose() {} })
    b.start({ onReceive: () => got++, onClose() {} })
    expect(a.trySend(1, Uint8Array.of(1))).toBe(true)
    expect(built(a).sender).toBeDefined()
    await until(() => got === 1, 'the message')
    expect(built(b).reader).toBeDefined()
    expect(built(b).sender).toBeUndefined()
  })

  it('the peer hanging up is reported without a captured stack; a failure keeps its stack', async () => {
    const [sa, sb] = memoryStreamPair()
    const a = new MConnection(sa, [{ id: 1, priority: 1 }], FAST)
    const b = new MConnection(sb, [{ id: 1, priority: 1 }], FAST)
    open.push(a, b)
    const closes: Array<Error | undefined> = []
    a.start({ onReceive() {}, onClose() {} })
    b.start({ onReceive() {}, onClose: (e) => closes.push(e) })
    await a.close()
    await until(() => closes.length === 1, 'the close')
    const err = closes[0] as Error
    expect(err.name).toBe('ConnectionClosedError')
    expect(err.message).toBe('connection closed by peer')
    expect(err.stack).not.toMatch(/\n\s+at /)
    // Errors that are news (here an unknown channel) still carry their stack.
    const [sc, raw] = memoryStreamPair()
    const c = new MConnection(sc, [{ id: 1, priority: 1 }], FAST)
    open.push(c)
    const failures: Array<Error | undefined> = []
    c.start({ onReceive() {}, onClose: (e) => failures.push(e) })
    raw.write(encodePacket({ type: 'msg', channelId: 2, eof: true, data: Uint8Array.of(1) }))
    await until(() => failures.length === 1, 'the failure')
    expect(failures[0]?.name).toBe('ProtocolError')
    expect(failures[0]?.stack).toMatch(/\n\s+at /)
  })

  it('connections of one factory share the resolved channel layout; changed descriptors get their own', () => {
    const [s1] = memoryStreamPair()
    const [s2] = memoryStreamPair()
    const [s3] = memoryStreamPair()
    const mux = mconnection(FAST)
    const layout = (c: MConnection): unknown => (c as unknown as { layout: unknown }).layout
    const a = mux(s1, [{ id: 1, priority: 1 }, { id: 0x99, priority: 2 }])
    const b = mux(s2, [{ id: 1, priority: 1 }, { id: 0x99, priority: 2 }])
    const c = mux(s3, [{ id: 1, priority: 1 }, { id: 0x99, priority: 3 }])
    expect(layout(a)).toBe(layout(b))
    expect(layout(c)).not.toBe(layout(a))
    expect(c.status().channels.map((ch) => ch.priority)).toEqual([1, 3])
    expect(a.status().channels.map((ch) => ch.priority)).toEqual([1, 2])
  })
})

type Step = [name: string, value: number, labels: MetricLabels | undefined]

class RecordingMetrics implements Metrics {
  readonly steps: Step[] = []
  readonly registered: string[] = []
  registerCounter(name: string): Counter {
    this.registered.push(name)
    return { increment: (v = 1, l) => void this.steps.push([name, v, l]) }
  }
  registerGauge(name: string): Gauge {
    this.registered.push(name)
    return { set() {}, increment() {}, decrement() {} }
  }
  total(name: string, labels: MetricLabels = {}): number {
    return this.steps
      .filter(([n, , l]) => n === name && Object.entries(labels).every(([k, v]) => l?.[k] === v))
      .reduce((sum, [, v]) => sum + v, 0)
  }
}

describe('MConnection metrics', () => {
  it('are registered once per sink, however many connections use it', () => {
    const metrics = new RecordingMetrics()
    const mux = mconnection({ ...FAST, metrics })
    for (let i = 0; i < 3; i++) mux(memoryStreamPair()[0], [{ id: 1, priority: 1 }])
    new MConnection(memoryStreamPair()[0], [{ id: 1, priority: 1 }], { metrics })
    expect(metrics.registered.sort()).toEqual([
      'cometbft_p2p_mconn_control_packets_total',
      'cometbft_p2p_mconn_rate_limited_seconds_total',
      'cometbft_p2p_mconn_send_blocked_seconds_total'
    ])
  })

  it('count pings and pongs each way, handed to the sink at close (not per packet)', async () => {
    const metrics = new RecordingMetrics()
    const [local, raw] = memoryStreamPair()
    const conn = new MConnection(local, [{ id: 1, priority: 1 }], { ...FAST, metrics })
    conn.start({ onReceive() {}, onClose() {} })
    const rawIn = collect(raw)
    for (let i = 0; i < 5; i++) {
      raw.write(PING_PACKET)
      await rawIn.waitFor(3 * (i + 1))
    }
    raw.write(PONG_PACKET)
    await until(() => conn.status().bytesReceived === 18, 'the pong')
    expect(metrics.steps).toEqual([])
    await conn.close()
    const c = 'cometbft_p2p_mconn_control_packets_total'
    expect(metrics.total(c, { type: 'ping', direction: 'received' })).toBe(5)
    expect(metrics.total(c, { type: 'pong', direction: 'sent' })).toBe(5)
    expect(metrics.total(c, { type: 'pong', direction: 'received' })).toBe(1)
    expect(metrics.total(c, { type: 'ping', direction: 'sent' })).toBe(0)
  })

  it('record the time the receive limiter held the peer back', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const metrics = new RecordingMetrics()
    const [local, raw] = memoryStreamPair()
    const conn = new MConnection(local, [{ id: 1, priority: 1 }], { sendRate: 0, recvRate: 10_000, flushThrottleMs: 0, now: () => Date.now(), metrics })
    open.push(conn)
    conn.start({ onReceive() {}, onClose() {} })
    // 2,000 bytes at 10 kB/s: one sample's worth goes at once, the rest waits ~100 ms.
    for (let i = 0; i < 2; i++) raw.write(encodePacket({ type: 'msg', channelId: 1, eof: true, data: new Uint8Array(994) }))
    await vi.advanceTimersByTimeAsync(1000)
    const held = metrics.total('cometbft_p2p_mconn_rate_limited_seconds_total', { direction: 'recv' })
    expect(held).toBeGreaterThanOrEqual(0.05)
    expect(held).toBeLessThanOrEqual(0.3)
    expect(metrics.total('cometbft_p2p_mconn_rate_limited_seconds_total', { direction: 'send' })).toBe(0)
  })

  it('record the time writes waited for a peer that does not read', async () => {
    const metrics = new RecordingMetrics()
    const [sa, sb] = memoryStreamPair({ highWaterMark: 1000 })
    const conn = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 10 }], { ...FAST, metrics })
    open.push(conn)
    conn.start({ onReceive() {}, onClose() {} })
    sb.hold()
    sb.start({ onData() {}, onEnd() {} })
    for (let i = 0; i < 5; i++) conn.trySend(1, new Uint8Array(2000))
    await new Promise((r) => setTimeout(r, 50))
    expect(metrics.total('cometbft_p2p_mconn_send_blocked_seconds_total')).toBe(0)
    sb.release()
    await until(() => metrics.total('cometbft_p2p_mconn_send_blocked_seconds_total') > 0, 'the blocked time')
    expect(metrics.total('cometbft_p2p_mconn_send_blocked_seconds_total')).toBeGreaterThanOrEqual(0.03)
  })
})
