import type { NetAddress } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { decodePexMessage, encodePexRequest, PEX_CHANNEL } from '../src/index.js'
import { handles, type PexNode, pexNode, sleep, until } from './helpers/network.js'

/*
 * Real nodes on loopback TCP (SecretConnection, MConnection, switch, book, PEX). Whom to dial is
 * the peer manager's job: where a test needs dialing, the real `@p2p/peer-manager` runs (and is
 * PEX's dialer), with its periods scaled down.
 */

const nodes: PexNode[] = []
let hostNo = 10
const host = (): string => `127.0.1.${hostNo++}`

async function node(...args: Parameters<typeof pexNode> extends [string, ...infer R] ? R : never): Promise<PexNode> {
  const n = await pexNode(host(), ...args)
  nodes.push(n)
  return n
}

/** Peer-manager options scaled down for a test network. */
const pm = { ensurePeersPeriodMs: 200, dialBackoffBaseMs: 100, dialBackoffJitterMs: 50, minRedialIntervalMs: 100, seedFollowUpMs: 500 }

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

describe('PEX over loopback TCP', () => {
  it('a request over the wire is answered with the book; the asker keeps the addresses', async () => {
    const a = await node()
    const b = await node()
    const known = Array.from({ length: 5 }, (_, i) => ({ id: `${i}`.repeat(40).slice(0, 40), ip: `8.8.${i}.1`, port: 26656 }) as NetAddress)
    for (const k of known) b.book.addAddress(k, b.addr)
    await a.sw.dialPeer(b.addr)
    // A asks B on connect (its book needs addresses) and keeps what B answers.
    await until(() => known.every((k) => a.book.has(k)), 'addresses from B')
    expect(a.reactor?.hasOutstandingRequest(a.sw.peers().get(b.addr.id)!)).toBe(false)
  })

  it('TestPEXReactorSeedModeFlushStop (upstream 3231): the seed answers, flushes and stops while the peer is also stopped', async () => {
    const seed = await node({ pex: { seedMode: true, crawlPeriodMs: 60_000 } })
    for (let i = 0; i < 30; i++) seed.book.addAddress({ id: `${i % 10}${'a'.repeat(39)}`.slice(0, 40) as NetAddress['id'], ip: `8.8.8.${i}`, port: 1 }, seed.addr)
    for (let round = 0; round < 5; round++) {
      const client = await node({ pex: { ensurePeersPeriodMs: 60_000 } })
      const peer = await client.sw.dialPeer(seed.addr)
      expect(peer.trySend(PEX_CHANNEL, encodePexRequest())).toBe(true)
      // Race the seed's flush-then-stop with a plain stop on both sides, then stop the client.
      await until(() => seed.sw.peers().has(client.addr.id), 'seed sees client')
      const seedSide = seed.sw.peers().get(client.addr.id)
      if (round % 2 === 0 && seedSide !== undefined) seed.sw.stopPeer(seedSide, undefined)
      client.sw.stopPeer(peer, undefined)
      await client.stop()
      await until(() => !seed.sw.peers().has(client.addr.id), 'seed let go of client')
    }
    expect(seed.sw.peers().size).toBe(0)
    await seed.stop()
    // Node frees a closed handle on the next turn of the event loop.
    await sleep(10)
    expect(handles().filter((h) => h === 'TCPServerWrap' || h === 'TCPSocketWrap' || h === 'Timeout')).toEqual([])
  })

  it('a seed answers an inbound request once, then hangs up gracefully (the answer arrives first)', async () => {
    const seed = await node({ pex: { seedMode: true, crawlPeriodMs: 60_000 } })
    const target = await node()
    seed.book.addAddress(target.addr, seed.addr)
    // Let the seed verify the target, so its answer holds it (beyond Go: only live addresses).
    await seed.reactor?.crawler?.crawl(target.addr, new AbortController().signal)
    const client = await node({ pex: { ensurePeersPeriodMs: 60_000 } })
    await client.sw.dialPeer(seed.addr)
    await until(() => client.book.has(target.addr), 'the answer')
    await until(() => !client.sw.peers().has(seed.addr.id), 'the seed hung up')
    expect(client.removed.at(-1)?.peer.id).toBe(seed.addr.id)
  })

  it('a 20-node network bootstraps from one seed through the peer manager; the seed ends with every address and never hands out the dead third', async () => {
    const seed = await node({
      pex: {
        seedMode: true,
        crawlPeriodMs: 200,
        minTimeBetweenCrawlsMs: 200,
        minSendIntervalMs: 250,
        // The nodes ask every 400 ms at most (their own rule); a seed expecting 10 s would ban them.
        // Go's ratio of send to receive interval is 3 (30 s / 10 s): keep a wide margin too, as a
        // loaded machine delays one request and sends the next on time.
        minReceiveIntervalMs: 100,
        // Wide enough that a live node is re-crawled within it even when the full suite loads
        // both cores. (The lapses once seen here, at 1.5 s and at 3 s, were a seed bug: a node
        // connected to the seed at every crawl was never re-verified; see seed-mode.spec.ts.)
        freshnessWindowMs: 3_000,
        crawlDialTimeoutMs: 1_000
      },
      // A seed dials only to crawl: no outbound target of its own.
      peerManager: { ...pm, maxOutboundPeers: 0 }
    })
    const seedString = `${seed.addr.id}@${seed.addr.ip}:${seed.addr.port}`
    const opts = {
      // Receive interval 200 ms (period / 3), send interval 400 ms: the 2x margin absorbs delays.
      pex: { ensurePeersPeriodMs: 600, minSendIntervalMs: 400 },
      peerManager: { ...pm, maxOutboundPeers: 3, seeds: [seedString] }
    }
    const network: PexNode[] = []
    for (let i = 0; i < 20; i++) network.push(await node(opts))
    const ids: string[] = network.map((n) => n.addr.id)
    await until(() => ids.every((id) => seed.book.has({ id } as unknown as NetAddress)), 'the seed knows every node', 30_000)
    await until(
      () => network.every((n) => n.sw.peers().list().filter((p) => p.id !== seed.addr.id).length >= 2 && n.book.size() >= 10),
      'every node with 2 peers and 10 addresses',
      30_000
    )

    // A third of the nodes die.
    const dead = network.slice(0, 7)
    await Promise.all(dead.map((n) => n.stop()))
    const deadIds = new Set<string>(dead.map((n) => n.addr.id))
    // The freshness window, plus room for a crawl connection that was still closing at the kill.
    await sleep(3_000 + 1_500)

    // Fresh clients ask the seed: none of the dead is in any answer; the live ones are.
    const served = new Set<string>()
    for (let i = 0; i < 3; i++) {
      const client = await node({ pex: { ensurePeersPeriodMs: 60_000 } })
      await client.sw.dialPeer(seed.addr)
      await until(() => !client.sw.peers().has(seed.addr.id), 'the seed answered and hung up')
      for (const a of client.book.list()) served.add(a.id)
    }
    expect([...served].filter((id) => deadIds.has(id))).toEqual([])
    // Not because the book forgot them: a Go seed would still hand these out.
    expect(dead.filter((n) => seed.book.has(n.addr)).length).toBeGreaterThan(0)
    // Every live node is served, and no one was punished on the way.
    expect([...served].filter((id) => ids.includes(id)).length).toBe(13)
    expect([seed, ...network.slice(7)].flatMap((n) => n.removed.filter((r) => r.reason?.name === 'MisbehaviourError'))).toEqual([])
  }, 60_000)
})

describe('PEX with the real peer manager as the dialer', () => {
  it('TestPEXReactorRunning: three nodes that know one address each all find each other', async () => {
    const fast = { ensurePeersPeriodMs: 300, minSendIntervalMs: 100 }
    const opts = { pex: fast, peerManager: { ...pm, maxOutboundPeers: 2 } }
    const [a, b, c] = [await node(opts), await node(opts), await node(opts)] as [PexNode, PexNode, PexNode]
    a.book.addAddress(b.addr, b.addr)
    b.book.addAddress(a.addr, a.addr)
    c.book.addAddress(b.addr, b.addr)
    await until(() => [a, b, c].every((n) => n.sw.peers().size >= 2), 'every node with 2 peers')
  })

  it('TestPEXReactorUsesSeedsIfNeeded + ConnectionSpeedForPeerReceivedFromSeed: an empty node reaches the seed, then a peer the seed knows', async () => {
    const seed = await node({ pex: { seedMode: true, crawlPeriodMs: 200, minTimeBetweenCrawlsMs: 200 }, peerManager: { ...pm, maxOutboundPeers: 0 } })
    const p = await node({ pex: { ensurePeersPeriodMs: 60_000 } })
    seed.book.addAddress(p.addr, seed.addr)
    await until(() => seed.reactor?.liveness.freshness(p.addr, Date.now()) === 'verified', 'the seed verified P')
    const fresh = await node({ pex: { ensurePeersPeriodMs: 60_000 }, peerManager: { ...pm, seeds: [`${seed.addr.id}@${seed.addr.ip}:${seed.addr.port}`] } })
    await until(() => fresh.sw.peers().has(p.addr.id), 'the new node connected to P', 10_000)
  })
})

describe('PEX over loopback TCP: the seed answers what a Go peer expects (facts §8.6)', () => {
  it('one PexAddrs on channel 0, then the connection closes', async () => {
    const seed = await node({ pex: { seedMode: true, crawlPeriodMs: 60_000 } })
    const got: Uint8Array[] = []
    const probe = await node({
      reactors: [
        {
          name: 'probe',
          // Room for both requests below (the default send queue holds one message).
          channels: () => [{ id: 0, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: 64000 }],
          attach: () => {},
          receive: (e) => got.push(e.message)
        }
      ]
    })
    const peer = await probe.sw.dialPeer(seed.addr)
    expect(peer.trySend(0, encodePexRequest())).toBe(true)
    expect(peer.trySend(0, encodePexRequest())).toBe(true)
    await until(() => probe.removed.length === 1, 'the seed hung up')
    expect(got.map((m) => decodePexMessage(m).type)).toEqual(['addrs'])
  })
})
