import { createNetAddress, type PeerConnection } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { encodeDelimited } from '@p2p/types/wire'
import { encodeNodeInfo, MemoryNetwork, type MemoryTransport, duplexPair, memoryTransport, secretHandshake } from '../src/index.js'
import { MConnection } from '../src/mconn/mconnection.js'
import type { MConnectionInit } from '../src/mconn/options.js'
import { encodePacket, PING_PACKET } from '../src/mconn/packet-codec.js'
import { testIdentity } from './helpers/identity.js'
import { memoryStreamPair } from './helpers/memory-stream.js'
import { closedAfterEach } from './helpers/mconn.js'

/* Issue 10 hole 1: every write, control frames included, goes through a bounded path. */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

const open = closedAfterEach()

function start(init: MConnectionInit, options: Parameters<typeof memoryStreamPair>[0] = {}) {
  const [local, raw] = memoryStreamPair(options, {})
  const conn = new MConnection(local, [{ id: 0x01, priority: 1, sendQueueCapacity: 1 }], init)
  open.push(conn)
  const state = { received: 0, closes: [] as Array<Error | undefined> }
  conn.start({ onReceive: () => state.received++, onClose: (err) => state.closes.push(err) })
  raw.start({ onData: () => {}, onEnd: () => {} })
  return { conn, local, raw, state }
}

describe('MConnection: a peer that pings and never reads', () => {
  it('costs at most one pending pong, and is dropped once its window stays shut past the send timeout', async () => {
    const { local, raw, state } = start(
      { sendRate: 0, recvRate: 0, flushThrottleMs: 0, sendTimeoutMs: 300 },
      { highWaterMark: 30 }
    )
    raw.hold()
    // 200 bursts of pings, each answered by one pong while our writes still go through.
    for (let i = 0; i < 200 && state.closes.length === 0; i++) {
      raw.write(PING_PACKET)
      await new Promise((r) => setImmediate(r))
    }
    // The window shut after ~10 pongs (30 bytes); after that nothing more was handed over.
    expect(local.writes).toBeLessThanOrEqual(11)
    const writesWhenBlocked = local.writes
    for (let i = 0; i < 100 && state.closes.length === 0; i++) {
      raw.write(PING_PACKET)
      await new Promise((r) => setImmediate(r))
    }
    expect(local.writes).toBe(writesWhenBlocked)
    while (state.closes.length === 0) await sleep(20)
    expect(state.closes).toHaveLength(1)
    expect(state.closes[0]).toMatchObject({ name: 'TimeoutError', phase: 'send' })
  })

  it('sends the one pending pong once the peer reads again', async () => {
    const { local, raw, state } = start({ sendRate: 0, recvRate: 0, flushThrottleMs: 0, sendTimeoutMs: 5000 }, { highWaterMark: 3 })
    raw.hold()
    for (let i = 0; i < 20; i++) {
      raw.write(PING_PACKET)
      await new Promise((r) => setImmediate(r))
    }
    expect(local.writes).toBe(1)
    raw.release()
    await sleep(20)
    // The first pong, then exactly one more for all the pings that arrived while blocked.
    expect(local.writes).toBe(2)
    expect(state.closes).toEqual([])
  })
})

describe('MConnection: the receive-rate limiter counts frame bytes', () => {
  it('charges the framing around small packets, so near-empty frames cannot outrun the limit', async () => {
    // A frozen clock: one 100 ms sample carries round(10440 × 0.1) = 1044 bytes and never ends.
    const init: MConnectionInit = { sendRate: 0, recvRate: 10_440, flushThrottleMs: 0, now: () => 0 }
    const msg = encodePacket({ type: 'msg', channelId: 0x01, eof: true, data: Uint8Array.of(1) })
    // Each packet arrives in its own 1044-byte sealed frame.
    const framed = start(init, { wireOverhead: 1044 - msg.length })
    for (let i = 0; i < 50; i++) framed.raw.write(msg)
    await sleep(30)
    expect(framed.state.received).toBeLessThanOrEqual(2)
    // Without framing cost (a plain stream), the same 50 small packets fit in the sample.
    const plain = start(init)
    for (let i = 0; i < 50; i++) plain.raw.write(msg)
    await sleep(30)
    expect(plain.state.received).toBe(50)
  })
})

describe('Transport: a ping flood from a peer that never reads (real stack, in memory)', () => {
  it('drops the peer with TimeoutError (send) instead of queueing pongs', async () => {
    const network = new MemoryNetwork()
    const us = testIdentity()
    const t = memoryTransport({ network, mconnection: { sendRate: 0, recvRate: 0, sendTimeoutMs: 300 } })({
      nodeKey: us.nodeKey,
      nodeInfo: () => us.nodeInfo
    }) as MemoryTransport
    t.start()
    try {
      const attacker = testIdentity()
      const [ours, theirs] = duplexPair()
      t.acceptStream(ours, createNetAddress(attacker.nodeKey.id, '127.0.0.9', 26656))
      const sc = await secretHandshake(theirs, attacker.nodeKey)
      sc.start({ onData: () => {}, onEnd: () => {} })
      sc.write(encodeDelimited(encodeNodeInfo(attacker.nodeInfo)))
      let conn: PeerConnection | undefined
      for await (const c of t.accept()) {
        conn = c
        break
      }
      const closed = new Promise<Error | undefined>((resolve) => {
        conn?.start([{ id: 0x20, priority: 1 }], { onReceive: () => {}, onClose: resolve })
      })
      // From now on the attacker reads nothing and pings as fast as it can.
      sc.pause()
      let done = false
      const result = closed.then((e) => { done = true; return e })
      for (let i = 0; i < 20_000 && !done; i++) {
        sc.write(PING_PACKET)
        if (i % 10 === 0) await new Promise((r) => setImmediate(r))
      }
      expect(await result).toMatchObject({ name: 'TimeoutError', phase: 'send' })
      sc.close()
    } finally {
      await t.stop()
    }
  })
})
