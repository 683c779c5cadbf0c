import { generateNodeKey } from '@p2p/config'
import { tcpTransport } from '@p2p/transport'
import type { NetAddress, NodeID, NodeInfo, Transport } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { type CrawlRecord, crawl } from '../src/index.js'
import { crawlFixtures, handles, type PexNode, pexNode, sleep } from './helpers/network.js'

/*
 * The crawler library on a loopback network of real PEX nodes: a chain of live nodes, dead
 * addresses, a node on another network and a socket that never completes a handshake.
 */

const { host, node, silentServer, keepNode, keepTransport, stopAll } = crawlFixtures(120)

async function crawlerTransport(network = 'pex-test'): Promise<Transport> {
  const key = generateNodeKey()
  const h = host()
  let info: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: key.id,
    listenAddr: `tcp://${h}:0`,
    network,
    version: '0.34.35',
    channels: Uint8Array.of(0),
    moniker: 'crawler',
    other: { txIndex: 'off', rpcAddress: '' }
  }
  const t = tcpTransport({ listen: `${h}:0`, allowDuplicateIp: true })({ nodeKey: key, nodeInfo: () => info })
  await t.start()
  const a = t.listenAddress()
  info = { ...info, listenAddr: `tcp://${a.ip}:${a.port}` }
  keepTransport(t)
  return t
}

/** A live chain a → b → c → d (each knows the next), plus dead and foreign addresses. */
async function network() {
  const live = [await node(), await node(), await node(), await node()]
  const foreign = await node('another-chain')
  const deadNode = await node()
  const dead = deadNode.addr
  await deadNode.stop()
  const never = await silentServer()
  for (let i = 0; i < live.length - 1; i++) live[i]!.book.addAddress(live[i + 1]!.addr, live[i]!.addr)
  // b and c both know the dead one; c knows the foreign node and the silent socket.
  live[1]!.book.addAddress(dead, live[1]!.addr)
  live[2]!.book.addAddress(dead, live[2]!.addr)
  live[2]!.book.addAddress(foreign.addr, live[2]!.addr)
  live[2]!.book.addAddress(never, live[2]!.addr)
  return { live, foreign, dead, never }
}

const byId = (records: CrawlRecord[], id: NodeID): CrawlRecord | undefined => records.find((r) => r.id === id)

describe('crawl()', () => {
  it('walks the network breadth-first from a seed and records every node with its outcome', async () => {
    const { live, foreign, dead, never } = await network()
    const transport = await crawlerTransport()
    const seen: CrawlRecord[] = []
    const result = await crawl([live[0]!.addr], { transport, dialTimeoutMs: 1_500, onRecord: (r) => seen.push(r) })
    const { records } = result
    expect(result.truncated).toBe(false)
    expect(records).toHaveLength(7)
    for (const n of live) {
      const r = byId(records, n.addr.id)
      expect(r?.status).toBe('reachable')
      expect(r?.nodeInfo?.id).toBe(n.addr.id)
      expect(r?.handshakeMs).toBeGreaterThan(0)
      expect(r?.answerMs).toBeGreaterThanOrEqual(0)
      expect(r?.firstSeen).toBeLessThanOrEqual(r?.lastSeen ?? 0)
    }
    // Breadth-first: records in the order heard of, the seed first and the chain in order.
    const order = (n: PexNode): number => records.findIndex((r) => r.id === n.addr.id)
    expect(live.map(order)).toEqual([0, 1, expect.any(Number), expect.any(Number)])
    expect(order(live[2]!)).toBeLessThan(order(live[3]!))
    expect(byId(records, live[0]!.addr.id)?.reportedBy).toBe(0)
    expect(byId(records, live[1]!.addr.id)?.reportedBy).toBe(1)
    expect(byId(records, dead.id)).toMatchObject({ status: 'unreachable', reportedBy: 2 })
    expect(byId(records, dead.id)?.error?.name).toBe('DialError')
    expect(byId(records, foreign.addr.id)?.status).toBe('unreachable')
    expect(byId(records, foreign.addr.id)?.error).toMatchObject({ name: 'RejectedError', reason: 'incompatible' })
    expect(byId(records, never.id)?.error?.name).toBe('TimeoutError')
    expect(seen).toHaveLength(7)
    // Graceful hang-ups: no connection left on any side.
    await sleep(50)
    for (const n of live) expect(n.sw.peers().size).toBe(0)
  })

  it('keeps to the concurrency bound', async () => {
    const { live } = await network()
    const inner = await crawlerTransport()
    let inFlight = 0
    let max = 0
    const counting: Transport = Object.create(inner, {
      dial: {
        value: async (addr: NetAddress, o: { signal?: AbortSignal }) => {
          inFlight++
          max = Math.max(max, inFlight)
          try {
            await sleep(30)
            return await inner.dial(addr, o)
          } finally {
            inFlight--
          }
        }
      }
    })
    // Every live node as a seed: plenty of work at once.
    await crawl(
      live.map((n) => n.addr),
      { transport: counting, concurrency: 2, dialTimeoutMs: 1_000 }
    )
    expect(max).toBe(2)
  })

  it('the total deadline cuts the crawl short: what was not dialled stays pending', async () => {
    const { live, never } = await network()
    const transport = await crawlerTransport()
    const result = await crawl([never, live[0]!.addr], { transport, concurrency: 1, dialTimeoutMs: 5_000, deadlineMs: 300 })
    expect(result.truncated).toBe(true)
    expect(byId(result.records, live[0]!.addr.id)?.status).toBe('pending')
    expect(result.elapsedMs).toBeLessThan(3_000)
  })

  it('an AbortSignal ends it early; an aborted signal rejects at once; bad options are refused', async () => {
    const { live, never } = await network()
    const transport = await crawlerTransport()
    const ctl = new AbortController()
    setTimeout(() => ctl.abort(), 200)
    const result = await crawl([never, live[0]!.addr], { transport, concurrency: 1, signal: ctl.signal })
    expect(result.truncated).toBe(true)
    await expect(crawl([live[0]!.addr], { transport, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(crawl([], { transport, concurrency: 0 })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
  })

  it('maxNodes bounds what is recorded', async () => {
    const { live } = await network()
    const transport = await crawlerTransport()
    const result = await crawl([live[0]!.addr], { transport, maxNodes: 2, dialTimeoutMs: 1_000 })
    expect(result.records).toHaveLength(2)
    expect(result.truncated).toBe(true)
  })

  it('a seed node answers once and hangs up: still recorded with its answer', async () => {
    const seed = await pexNode(host(), { pex: { seedMode: true, crawlPeriodMs: 3_600_000 } })
    keepNode(seed)
    const transport = await crawlerTransport()
    const result = await crawl([seed.addr], { transport })
    expect(byId(result.records, seed.addr.id)).toMatchObject({ status: 'reachable', addrsReturned: 0 })
    expect(byId(result.records, seed.addr.id)?.pexError).toBeUndefined()
  })

  it('runs on a dial-only transport (no listener)', async () => {
    const { live } = await network()
    const key = generateNodeKey()
    const info: NodeInfo = {
      protocolVersion: { p2p: 8n, block: 11n, app: 0n },
      id: key.id,
      listenAddr: 'tcp://127.0.0.1:1',
      network: 'pex-test',
      version: '0.34.35',
      channels: Uint8Array.of(0),
      moniker: 'crawler',
      other: { txIndex: 'off', rpcAddress: '' }
    }
    const transport = tcpTransport({ dialOnly: true, allowDuplicateIp: true })({ nodeKey: key, nodeInfo: () => info })
    await transport.start()
    keepTransport(transport)
    const result = await crawl([live[0]!.addr], { transport, selfId: key.id, dialTimeoutMs: 1_500 })
    for (const n of live) expect(byId(result.records, n.addr.id)?.status).toBe('reachable')
    expect(byId(result.records, key.id)).toBeUndefined()
  })

  it('leaves nothing running', async () => {
    const { live } = await network()
    const transport = await crawlerTransport()
    await crawl([live[0]!.addr], { transport, dialTimeoutMs: 1_000 })
    await stopAll()
    await sleep(10)
    expect(handles().filter((h) => h === 'TCPServerWrap' || h === 'TCPSocketWrap' || h === 'Timeout')).toEqual([])
  })
})
