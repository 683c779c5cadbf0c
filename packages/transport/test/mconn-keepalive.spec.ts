import { TimeoutError } from '@p2p/types'
import { describe, expect, it, vi } from 'vitest'
import { MConnection } from '../src/mconn/mconnection.js'
import type { MConnectionInit } from '../src/mconn/options.js'
import { PING_PACKET, PONG_PACKET } from '../src/mconn/packet-codec.js'
import { collect, memoryStreamPair } from './helpers/memory-stream.js'
import { closedAfterEach, until } from './helpers/mconn.js'

/* connection_test.go's ping/pong tests, with its 90 ms / 45 ms configuration. */

const KEEPALIVE: MConnectionInit = { sendRate: 0, recvRate: 0, flushThrottleMs: 0, pingIntervalMs: 90, pongTimeoutMs: 45 }
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const open = closedAfterEach()

function withRawPeer(init: MConnectionInit) {
  const [local, raw] = memoryStreamPair()
  const conn = new MConnection(local, [{ id: 0x01, priority: 1, sendQueueCapacity: 1 }], init)
  open.push(conn)
  const state = { received: 0, closes: [] as Array<Error | undefined> }
  conn.start({
    onReceive: () => state.received++,
    onClose: (err) => state.closes.push(err)
  })
  return { conn, raw, rawIn: collect(raw), state }
}

describe('MConnection keep-alive', () => {
  it('a peer that never answers our ping: TimeoutError phase "pong", once, and no data', async () => {
    const { conn, rawIn, state } = withRawPeer(KEEPALIVE)
    await until(() => state.closes.length > 0, 'pong timeout')
    await sleep(20)
    expect(state.closes).toHaveLength(1)
    const err = state.closes[0] as TimeoutError
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.phase).toBe('pong')
    expect(err.message).toBe('pong timeout')
    expect(state.received).toBe(0)
    expect(conn.running).toBe(false)
    // What the peer saw was exactly one ping.
    expect(hex(rawIn.bytes())).toBe(hex(PING_PACKET))
  })

  it('unsolicited pongs are harmless; answering our ping keeps the connection up', async () => {
    const { conn, raw, rawIn, state } = withRawPeer(KEEPALIVE)
    for (let i = 0; i < 3; i++) raw.write(PONG_PACKET)
    await rawIn.waitFor(3)
    expect(hex(rawIn.bytes())).toBe(hex(PING_PACKET))
    raw.write(PONG_PACKET)
    // Past the pong timeout of that ping (45 ms) with margin, before the next ping's.
    await sleep(45 + 20)
    expect(state.closes).toEqual([])
    expect(state.received).toBe(0)
    expect(conn.running).toBe(true)
  })

  it('every ping gets exactly one pong (TestMConnectionMultiplePings)', async () => {
    const { conn, raw, rawIn, state } = withRawPeer({ ...KEEPALIVE, pingIntervalMs: 60_000, pongTimeoutMs: 45_000 })
    for (let i = 1; i <= 3; i++) {
      raw.write(PING_PACKET)
      await rawIn.waitFor(3 * i)
    }
    await sleep(10)
    expect(hex(rawIn.bytes())).toBe(hex(PONG_PACKET).repeat(3))
    expect(state.closes).toEqual([])
    expect(conn.running).toBe(true)
  })

  it('two MConnections keep each other alive over several ping intervals', async () => {
    const [sa, sb] = memoryStreamPair()
    // Go's test uses 90 / 45 ms; wider here so that a loaded machine's pauses are not missed pongs.
    const init = { ...KEEPALIVE, pingIntervalMs: 100, pongTimeoutMs: 80 }
    const a = new MConnection(sa, [{ id: 1, priority: 1 }], init)
    const b = new MConnection(sb, [{ id: 1, priority: 1 }], init)
    open.push(a, b)
    const closes: Array<Error | undefined> = []
    let received = 0
    for (const c of [a, b]) c.start({ onReceive: () => received++, onClose: (e) => closes.push(e) })
    await sleep(450)
    expect(closes).toEqual([])
    expect(received).toBe(0)
    expect(a.running && b.running).toBe(true)
    // Several pings and pongs went each way (3 bytes each).
    expect(a.status().bytesSent).toBeGreaterThanOrEqual(12)
    expect(b.status().bytesSent).toBeGreaterThanOrEqual(12)
  })

  it('pings once per interval on its one re-armed timer, and leaves no timer after close (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { conn, raw, rawIn, state } = withRawPeer({ ...KEEPALIVE, pingIntervalMs: 60_000, pongTimeoutMs: 45_000 })
    // The memory streams deliver on (real) setImmediate.
    const delivered = (): Promise<void> => new Promise((r) => setImmediate(() => setImmediate(r)))
    for (let i = 1; i <= 3; i++) {
      await vi.advanceTimersByTimeAsync(59_999)
      await delivered()
      expect(rawIn.bytes().length).toBe(3 * (i - 1))
      await vi.advanceTimersByTimeAsync(1)
      await delivered()
      expect(hex(rawIn.bytes())).toBe(hex(PING_PACKET).repeat(i))
      raw.write(PONG_PACKET)
      await delivered()
    }
    expect(state.closes).toEqual([])
    expect(vi.getTimerCount()).toBeGreaterThan(0)
    await conn.close()
    expect(vi.getTimerCount()).toBe(0)
  })
})
