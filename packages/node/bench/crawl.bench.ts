/**
 * Nodes crawled per second against a loopback network of full nodes (createNode: TCP,
 * SecretConnection, switch, PEX), at concurrency 1 / 8 / 32, and the same-run baseline: the same
 * dials with the handshake only (no PexRequest). Every node lives in this process, so the
 * crawler and the network share one thread: a measure of the crawler's overhead, not of a WAN.
 *
 *   pnpm --filter @p2p/node exec tsx bench/crawl.bench.ts [nodes=40] [runs=3]
 */
import { addrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { crawlNetwork, PEX_CHANNEL } from '@p2p/pex'
import { tcpTransport } from '@p2p/transport'
import type { NetAddress, Transport } from '@p2p/types'
import { createNode, type P2PNode } from '../src/create-node.js'
import { makeNodeInfo } from '../src/node-info.js'

const [count = 40, runs = 3] = process.argv.slice(2).map(Number)
const CHAIN = 'crawl-bench'
const hold = 3_600_000

const nodes: P2PNode[] = []
for (let i = 0; i < count; i++) {
  const node = await createNode({
    config: { listenAddress: 'tcp://127.0.0.1:0', addrBookStrict: false, allowDuplicateIp: true, moniker: `n${i}`, maxNumInboundPeers: 200 },
    nodeKey: generateNodeKey(),
    network: CHAIN,
    addrBook: (c) => addrBook({ strict: false })(c),
    layerOptions: { pex: { ensurePeersPeriodMs: hold }, peerManager: { ensurePeersPeriodMs: hold } }
  })
  await node.start()
  nodes.push(node)
}
// A tree of address books (fan-out 4): the crawl walks several hops from nodes[0].
for (let c = 1; c < nodes.length; c++) {
  const parent = nodes[Math.floor((c - 1) / 4)]!
  parent.components.addrBook.addAddress(nodes[c]!.listenAddress(), parent.listenAddress())
}

async function crawler(): Promise<Transport> {
  const key = generateNodeKey()
  const info = makeNodeInfo({ id: key.id, network: CHAIN, moniker: 'bench', rpcAddress: '', listenAddr: 'tcp://0.0.0.0:0', channels: [PEX_CHANNEL] })
  const t = tcpTransport({ dialOnly: true, allowDuplicateIp: true, mconnection: { flushThrottleMs: 0 } })({ nodeKey: key, nodeInfo: () => info })
  await t.start()
  return t
}

/** Baseline: the same nodes, handshake then close, `concurrency` at once. */
async function handshakesOnly(addrs: NetAddress[], concurrency: number): Promise<number> {
  const t = await crawler()
  const queue = [...addrs]
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let a = queue.shift(); a !== undefined; a = queue.shift()) {
        const c = await t.dial(a)
        await c.close()
      }
    })
  )
  const secs = (performance.now() - t0) / 1000
  await t.stop()
  return addrs.length / secs
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!
const rows: string[] = []
const addrs = nodes.map((n) => n.listenAddress())
for (const concurrency of [1, 8, 32]) {
  const rates: number[] = []
  const base: number[] = []
  let p50 = 0
  for (let r = 0; r < runs; r++) {
    const t = await crawler()
    const t0 = performance.now()
    const report = await crawlNetwork([addrs[0]!], { transport: t, concurrency, dialTimeoutMs: 10_000 })
    const secs = (performance.now() - t0) / 1000
    await t.stop()
    if (report.summary.reachable !== count) throw new Error(`crawl found ${report.summary.reachable} of ${count}`)
    rates.push(count / secs)
    p50 = report.summary.handshakeMs.p50 ?? 0
    base.push(await handshakesOnly(addrs, concurrency))
  }
  rows.push(`| ${concurrency} | ${count} | ${median(rates).toFixed(1)} | ${median(base).toFixed(1)} | ${p50.toFixed(1)} |`)
}
console.log(`crawl bench: ${count} full nodes on 127.0.0.1 in this process, median of ${runs} runs (node ${process.version})`)
console.log('| concurrency | nodes | crawl nodes/s | baseline: handshake + close only, nodes/s | handshake p50 ms (last crawl) |')
console.log('|---:|---:|---:|---:|---:|')
for (const r of rows) console.log(r)
await Promise.all(nodes.map((n) => n.stop()))
