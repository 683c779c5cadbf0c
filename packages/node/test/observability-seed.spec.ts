import { addrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { createNetAddress, dialString, netAddressString } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { createNode, type P2PNode } from '../src/index.js'
import type { NodeWithHttp } from '../src/observability/index.js'
import { get } from './observability-fakes.js'

const FAST = { pex: { ensurePeersPeriodMs: 200, crawlPeriodMs: 200, minTimeBetweenCrawlsMs: 200 }, peerManager: { ensurePeersPeriodMs: 200 } }
const LOOPBACK = { addrBookStrict: false, allowDuplicateIp: true, flushThrottleTimeoutMs: 10 }

describe("a seed's /peers", () => {
  it('lists only addresses the seed verified itself, never one it was only told about', async () => {
    const seed = (await createNode({
      config: { ...LOOPBACK, listenAddress: 'tcp://127.0.0.1:0', seedMode: true, moniker: 'seed' },
      nodeKey: generateNodeKey(),
      network: 'seed-chain',
      addrBook: (c) => addrBook({ strict: false })(c),
      layerOptions: FAST,
      http: { listen: '127.0.0.1:0' }
    })) as NodeWithHttp
    const nodes: P2PNode[] = []
    try {
      await seed.start()
      const seeds = [netAddressString(seed.listenAddress())]
      for (let i = 0; i < 3; i++) {
        nodes.push(
          await createNode({
            config: { ...LOOPBACK, listenAddress: `tcp://127.0.0.${i + 2}:0`, seeds, moniker: `n${i}` },
            nodeKey: generateNodeKey(),
            network: 'seed-chain',
            addrBook: (c) => addrBook({ strict: false })(c),
            layerOptions: FAST
          })
        )
      }
      // an address nobody listens on, gossiped by a node: the seed hears of it but cannot verify it
      const bogus = createNetAddress('bb'.repeat(20), '127.0.0.250', 9)
      nodes[0]!.components.addrBook.addAddress(bogus, createNetAddress('cc'.repeat(20), '127.0.0.251', 9))
      await Promise.all(nodes.map((n) => n.start()))
      const port = seed.http.address().port
      const real = new Map(nodes.map((n) => [n.id as string, dialString(n.listenAddress())]))
      let listed: string[] = []
      const end = Date.now() + 15_000
      while (Date.now() < end) {
        const res = await get(port, '/peers?format=json')
        if (res.status === 200) listed = (JSON.parse(res.body) as { peers: string[] }).peers
        if (listed.length >= 2 && seed.components.addrBook.has(bogus)) break
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(listed.length, 'the seed verified some of the nodes').toBeGreaterThanOrEqual(2)
      for (const line of listed) {
        const [id, hostPort] = line.split('@') as [string, string]
        expect(real.get(id), line).toBe(hostPort)
      }
      // the seed did hear of the bogus address (its book has it), and does not hand it out
      expect(seed.components.addrBook.has(bogus)).toBe(true)
      expect(listed.join('\n')).not.toContain(bogus.id)
      const text = (await get(port, '/peers')).body
      for (const line of text.trimEnd().split('\n')) expect(real.get(line.split('@')[0]!), line).toBe(line.split('@')[1])
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
      await seed.stop()
    }
  }, 30_000)
})
