import { readFileSync } from 'node:fs'
import { setImmediate as tick } from 'node:timers/promises'
import {
  AbortError,
  type ChannelDescriptor,
  ConnectionClosedError,
  InvalidArgumentError,
  type NetAddress,
  type NodeInfo
} from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { mconnection } from '../src/mconn/index.js'
import { MConnection } from '../src/mconn/mconnection.js'
import type { MConnectionInit } from '../src/mconn/options.js'
import { encodePacket } from '../src/mconn/packet-codec.js'
import { type MultiplexerFactory, UpgradedConnection } from '../src/peer-connection.js'
import { collect, type MemoryStreamOptions, memoryStreamPair } from './helpers/memory-stream.js'
import { closedAfterEach, until } from './helpers/mconn.js'

const vectors = JSON.parse(readFileSync(new URL('./fixtures/mconnection_packets.json', import.meta.url), 'utf8')) as {
  message_3000_split: { message_hex: string; wire_hex: string }
}

const CHANNELS: ChannelDescriptor[] = [
  { id: 0x20, priority: 6, sendQueueCapacity: 100 },
  { id: 0x21, priority: 10, sendQueueCapacity: 100 },
  { id: 0x40, priority: 5, sendQueueCapacity: 10 },
  { id: 0x00, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: 64_000 }
]
const FAST: MConnectionInit = { sendRate: 0, recvRate: 0, flushThrottleMs: 0 }

interface Side {
  conn: MConnection
  received: Array<[number, Uint8Array]>
  closes: Array<Error | undefined>
}

function side(conn: MConnection): Side {
  const s: Side = { conn, received: [], closes: [] }
  conn.start({
    onReceive: (ch, msg) => s.received.push([ch, msg.slice()]),
    onClose: (err) => s.closes.push(err)
  })
  return s
}

const open = closedAfterEach()
function connectedPair(init: MConnectionInit = FAST, streams: MemoryStreamOptions = {}, channels = CHANNELS): [Side, Side] {
  const [sa, sb] = memoryStreamPair(streams)
  const a = new MConnection(sa, channels, init)
  const b = new MConnection(sb, channels, init)
  open.push(a, b)
  return [side(a), side(b)]
}

function message(seed: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) & 0xff)
}

describe('MConnection: exchanging messages', () => {
  it.each([
    ['as written', {}],
    ['re-split into 1..700-byte chunks', { maxChunk: 700, seed: 7 }],
    ['re-split into 1-byte chunks', { maxChunk: 1 }],
    ['coalesced', { coalesce: true }]
  ] as const)('several channels, small and large, interleaved, both ways (%s)', async (_name, streams) => {
    const [a, b] = connectedPair(FAST, streams)
    const sizes = [0, 1, 100, 1023, 1024, 1025, 3000, 63_999, 5, 2048]
    const plan: Array<[number, Uint8Array]> = []
    let seed = 0
    for (const size of sizes) for (const ch of [0x20, 0x21, 0x40, 0x00]) plan.push([ch, message(seed++, size)])
    await Promise.all([
      ...plan.map(([ch, m]) => a.conn.send(ch, m)),
      ...plan.map(([ch, m]) => b.conn.send(ch, m))
    ]).then((results) => expect(results.every(Boolean)).toBe(true))
    await until(() => a.received.length === plan.length && b.received.length === plan.length, 'all messages')
    for (const s of [a, b]) {
      for (const ch of [0x20, 0x21, 0x40, 0x00]) {
        const sent = plan.filter(([c]) => c === ch).map(([, m]) => Buffer.from(m).toString('hex'))
        const got = s.received.filter(([c]) => c === ch).map(([, m]) => Buffer.from(m).toString('hex'))
        expect(got).toEqual(sent)
      }
      expect(s.closes).toEqual([])
    }
  })

  it('puts the 3000-byte vector message on the wire exactly as Go does', async () => {
    const [sa, sb] = memoryStreamPair()
    const a = new MConnection(sa, [{ id: 0x20, priority: 1 }], FAST)
    open.push(a)
    side(a)
    const raw = collect(sb)
    expect(a.trySend(0x20, Buffer.from(vectors.message_3000_split.message_hex, 'hex'))).toBe(true)
    const wire = vectors.message_3000_split.wire_hex
    await raw.waitFor(wire.length / 2)
    expect(Buffer.from(raw.bytes()).toString('hex')).toBe(wire)
  })

  it('batches the packets of many queued messages into one stream write', async () => {
    const [sa, sb] = memoryStreamPair()
    const a = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 50 }], FAST)
    open.push(a)
    side(a)
    const raw = collect(sb)
    for (let i = 0; i < 50; i++) expect(a.trySend(1, message(i, 100))).toBe(true)
    await raw.waitFor(50 * 106)
    expect(sa.writes).toBe(1)
  })

  it('holds written packets for the flush throttle, then writes them at once', async () => {
    const [sa, sb] = memoryStreamPair()
    const a = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 5 }], { ...FAST, flushThrottleMs: 40 })
    open.push(a)
    side(a)
    const raw = collect(sb)
    for (let i = 0; i < 5; i++) a.trySend(1, message(i, 10))
    await tick()
    await tick()
    expect(sa.writes).toBe(0)
    await raw.waitFor(5 * 15)
    expect(sa.writes).toBe(1)
  })

  it('status reports queues, priorities and byte counters', async () => {
    const [a, b] = connectedPair()
    const st0 = a.conn.status()
    expect(st0.channels.map((c) => [c.id, c.priority, c.sendQueueCapacity, c.sendQueueSize])).toEqual([
      [0x20, 6, 100, 0],
      [0x21, 10, 100, 0],
      [0x40, 5, 10, 0],
      [0x00, 1, 10, 0]
    ])
    expect(a.conn.trySend(0x20, message(1, 10))).toBe(true)
    expect(a.conn.status().channels[0]?.sendQueueSize).toBe(1)
    await until(() => b.received.length === 1, 'message')
    const st = a.conn.status()
    expect(st.channels[0]?.sendQueueSize).toBe(0)
    // 1 (length) + 2 (packet_msg tag, length) + 2 (channel) + 2 (eof) + 2 (data tag, length) + 10
    expect(st.channels[0]?.recentlySent).toBe(19)
    expect(st.bytesSent).toBe(19)
    expect(b.conn.status().bytesReceived).toBe(19)
  })

  it('per-channel byte counters count message payload on both sides, on that channel only', async () => {
    const [a, b] = connectedPair()
    const counters = (x: Side): Array<[number, number, number]> => x.conn.status().channels.map((c) => [c.id, c.bytesSent, c.bytesReceived])
    expect(counters(a)).toEqual([
      [0x20, 0, 0],
      [0x21, 0, 0],
      [0x40, 0, 0],
      [0x00, 0, 0]
    ])
    // 3000 bytes: three packets (1024 + 1024 + 952), so framing would show if it were counted.
    expect(a.conn.trySend(0x40, message(7, 3000))).toBe(true)
    expect(b.conn.trySend(0x00, message(8, 5))).toBe(true)
    await until(() => b.received.length === 1 && a.received.length === 1, 'messages')
    expect(counters(a)).toEqual([
      [0x20, 0, 0],
      [0x21, 0, 0],
      [0x40, 3000, 0],
      [0x00, 0, 5]
    ])
    expect(counters(b)).toEqual([
      [0x20, 0, 0],
      [0x21, 0, 0],
      [0x40, 0, 3000],
      [0x00, 5, 0]
    ])
    // The connection-wide counters include the packet framing.
    expect(a.conn.status().bytesSent).toBeGreaterThan(3000)
  })

  it('trySend / send / canSend on unknown channels and before start', async () => {
    const [sa] = memoryStreamPair()
    const a = new MConnection(sa, [{ id: 1, priority: 1 }], FAST)
    open.push(a)
    expect(a.trySend(1, message(0, 1))).toBe(false)
    await expect(a.send(1, message(0, 1))).resolves.toBe(false)
    side(a)
    expect(a.canSend(1)).toBe(true)
    expect(a.trySend(5, message(0, 1))).toBe(false)
    await expect(a.send(5, message(0, 1))).resolves.toBe(false)
    expect(a.canSend(5)).toBe(false)
    expect(a.trySend(1, message(0, 1))).toBe(true)
    expect(a.canSend(1)).toBe(false)
    expect(() => a.start({ onReceive() {}, onClose() {} })).toThrow(InvalidArgumentError)
  })
})

describe('MConnection: descriptors and options', () => {
  const [s] = memoryStreamPair()
  it.each([
    ['priority 0', [{ id: 1, priority: 0 }]],
    ['negative priority', [{ id: 1, priority: -1 }]],
    ['id 256', [{ id: 256, priority: 1 }]],
    ['duplicate id', [{ id: 1, priority: 1 }, { id: 1, priority: 2 }]],
    ['negative capacity', [{ id: 1, priority: 1, sendQueueCapacity: -1 }]]
  ])('rejects %s with InvalidArgumentError', (_n, channels) => {
    expect(() => new MConnection(s, channels as ChannelDescriptor[])).toThrow(InvalidArgumentError)
  })

  it('rejects pongTimeoutMs >= pingIntervalMs (Go panics)', () => {
    expect(() => new MConnection(s, [], { pingIntervalMs: 100, pongTimeoutMs: 100 })).toThrow(InvalidArgumentError)
  })

  it("fills Go's defaults (send queue 1)", () => {
    const c = new MConnection(s, [{ id: 1, priority: 3 }])
    expect(c.status().channels).toEqual([{ id: 1, priority: 3, sendQueueCapacity: 1, sendQueueSize: 0, recentlySent: 0, bytesSent: 0, bytesReceived: 0 }])
  })
})

describe('MConnection: closing', () => {
  it('close with flush delivers every queued message, then the peer sees the end', async () => {
    const [sa, sb] = memoryStreamPair({ maxChunk: 333, seed: 3 })
    const channels = [{ id: 1, priority: 1, sendQueueCapacity: 20 }]
    const a = new MConnection(sa, channels, { sendRate: 0, recvRate: 0 })
    const b = new MConnection(sb, channels, FAST)
    open.push(b)
    const sideA = side(a)
    const sideB = side(b)
    const sent = Array.from({ length: 20 }, (_, i) => message(i, 500 + i * 100))
    for (const m of sent) expect(a.trySend(1, m)).toBe(true)
    await a.close({ flush: true })
    expect(sideA.closes).toEqual([undefined])
    await until(() => sideB.closes.length === 1, 'peer close')
    expect(sideB.received.map(([, m]) => Buffer.from(m).toString('hex'))).toEqual(sent.map((m) => Buffer.from(m).toString('hex')))
    expect(sideB.closes[0]).toBeInstanceOf(ConnectionClosedError)
  })

  it('close with flush is bounded by flushStopTimeoutMs when the peer stops reading', async () => {
    const [sa, sb] = memoryStreamPair({ highWaterMark: 1000 })
    sb.hold()
    const a = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 10 }], { ...FAST, flushStopTimeoutMs: 30 })
    const sideA = side(a)
    for (let i = 0; i < 10; i++) a.trySend(1, message(i, 5000))
    const reason = new ConnectionClosedError('seed done')
    await a.close({ flush: true, reason })
    expect(sideA.closes).toEqual([reason])
    expect(sa.closed).toBe(true)
  })

  it('a plain close during a flushing one cuts the flush short (no wait for flushStopTimeoutMs)', async () => {
    const [sa, sb] = memoryStreamPair({ highWaterMark: 1000 })
    sb.hold()
    const a = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 10 }], { ...FAST, flushStopTimeoutMs: 600_000 })
    const sideA = side(a)
    for (let i = 0; i < 10; i++) a.trySend(1, message(i, 5000))
    const reason = new ConnectionClosedError('seed done')
    const flushing = a.close({ flush: true, reason })
    // Without the cut this would wait ten minutes (the test's own timeout fails it first).
    await a.close()
    await flushing
    expect(sideA.closes).toEqual([reason])
    expect(sa.closed).toBe(true)
  })

  it('close without flush reports the reason once and refuses further sends', async () => {
    const [a, b] = connectedPair()
    const reason = new ConnectionClosedError('bye')
    const p1 = a.conn.close({ reason })
    const p2 = a.conn.close()
    expect(p2).toBe(p1)
    await p1
    expect(a.closes).toEqual([reason])
    expect(a.conn.running).toBe(false)
    expect(a.conn.trySend(0x20, message(0, 1))).toBe(false)
    await expect(a.conn.send(0x20, message(0, 1))).resolves.toBe(false)
    await until(() => b.closes.length === 1, 'peer close')
    expect(b.closes[0]?.name).toBe('ConnectionClosedError')
  })

  it('a waiting send gets the slot the send loop frees; an aborted one rejects with AbortError', async () => {
    const [sa, sb] = memoryStreamPair()
    sb.hold()
    const a = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 1 }], FAST)
    open.push(a)
    side(a)
    expect(a.trySend(1, message(0, 1))).toBe(true)
    expect(a.trySend(1, message(1, 1))).toBe(false)
    const controller = new AbortController()
    const aborted = a.send(1, message(2, 1), { signal: controller.signal })
    const waiting = a.send(1, message(3, 1))
    controller.abort()
    await expect(aborted).rejects.toBeInstanceOf(AbortError)
    await expect(a.send(1, message(4, 1), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError)
    // The send loop takes message 0 off the queue; the freed slot goes to the waiting send.
    await expect(waiting).resolves.toBe(true)
  })

  it('sends still waiting when the connection closes resolve false', async () => {
    const [sa] = memoryStreamPair()
    const a = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 1 }], FAST)
    open.push(a)
    side(a)
    expect(a.trySend(1, message(0, 1))).toBe(true)
    const waiting = [a.send(1, message(1, 1)), a.send(1, message(2, 1))]
    await a.close()
    await expect(Promise.all(waiting)).resolves.toEqual([false, false])
  })

  it('send gives up after the send timeout when the queue stays full', async () => {
    const [sa, sb] = memoryStreamPair({ highWaterMark: 1 })
    sb.hold()
    const a = new MConnection(sa, [{ id: 1, priority: 1, sendQueueCapacity: 1 }], { ...FAST, sendTimeoutMs: 30 })
    open.push(a)
    side(a)
    // Fill the stream (blocked after one write), the channel's sending slot and its queue.
    for (let i = 0; i < 3; i++) {
      a.trySend(1, message(i, 3000))
      await tick()
    }
    expect(a.trySend(1, message(9, 1))).toBe(false)
    await expect(a.send(1, message(9, 1))).resolves.toBe(false)
  })

  it('leaves no timer, immediate or pending work behind after close', async () => {
    const count = (): Record<string, number> => {
      const out: Record<string, number> = {}
      for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
      return out
    }
    await tick()
    const before = count()
    const [a, b] = connectedPair({ sendRate: 1000, recvRate: 1000, flushThrottleMs: 50, pingIntervalMs: 30, pongTimeoutMs: 20 })
    const sendOk = a.conn.send(0x20, message(0, 5000))
    for (let i = 0; i < 5; i++) a.conn.trySend(0x21, message(i, 300))
    const waiting = a.conn.send(0x40, message(9, 10))
    void waiting
    await new Promise((r) => setTimeout(r, 60))
    await Promise.all([a.conn.close(), b.conn.close()])
    await sendOk
    await tick()
    await tick()
    // Nothing of ours is left: no resource kind grew (the runner's own timers may come and go).
    const after = count()
    for (const [kind, n] of Object.entries(after)) expect(n, kind).toBeLessThanOrEqual(before[kind] ?? 0)
  })

  it('a remote close is reported once as ConnectionClosedError, after delivering what preceded it', async () => {
    const [sa, sb] = memoryStreamPair()
    const a = new MConnection(sa, [{ id: 1, priority: 1 }], FAST)
    open.push(a)
    const sideA = side(a)
    // PexRequest-like reply followed by a hang-up, as a Go seed does.
    sb.start({ onData() {}, onEnd() {} })
    sb.write(encodePacket({ type: 'msg', channelId: 1, eof: true, data: new Uint8Array(0) }))
    sb.close()
    await until(() => sideA.closes.length > 0, 'close')
    await tick()
    expect(sideA.received.map(([ch, m]) => [ch, m.length])).toEqual([[1, 0]])
    expect(sideA.closes).toHaveLength(1)
    expect(sideA.closes[0]).toBeInstanceOf(ConnectionClosedError)
  })
})

describe('MConnection behind the transport seam', () => {
  it('mconnection(init) is the MultiplexerFactory an UpgradedConnection runs', async () => {
    const [sa, sb] = memoryStreamPair()
    const factory: MultiplexerFactory = mconnection(FAST)
    const info = {} as NodeInfo
    const addr = {} as NetAddress
    let gone = 0
    const up = new UpgradedConnection({
      stream: sa,
      remoteInfo: info,
      remoteAddr: addr,
      remotePublicKey: new Uint8Array(32),
      outbound: true,
      multiplexer: factory,
      onGone: () => gone++
    })
    const peer = new MConnection(sb, [{ id: 0x20, priority: 1 }], FAST)
    open.push(peer)
    const got = side(peer)
    up.start([{ id: 0x20, priority: 1 }], { onReceive() {}, onClose() {} })
    await expect(up.send(0x20, message(1, 2000))).resolves.toBe(true)
    await until(() => got.received.length === 1, 'message')
    expect(up.status().channels[0]?.id).toBe(0x20)
    await up.close({ flush: true })
    expect(gone).toBe(1)
  })
})
