import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { addrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { createNode, type P2PNode } from '@p2p/node'
import { CSV_COLUMNS, type CrawlReport, parseCrawlReport } from '@p2p/pex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crawlSummary, runCrawl } from '../src/cli/crawl.js'
import { tempDir } from './helpers.js'

/*
 * p2p-node crawl against a 20-node loopback network built with createNode: a seed plus 19 nodes
 * in a tree of address books (the seed knows 4, each of those knows the next 4, ...), so the
 * crawl must walk several hops; two nodes killed before the crawl and one on another network.
 */

const CHAIN = 'crawl-test'
const hold = { period: 3_600_000 }
const nodes: P2PNode[] = []
let seed: P2PNode
const live: P2PNode[] = []
let killed: P2PNode[] = []
let foreign: P2PNode
let tmp: { dir: string; cleanup: () => Promise<void> }

async function make(moniker: string, network = CHAIN): Promise<P2PNode> {
  const node = await createNode({
    config: { listenAddress: 'tcp://127.0.0.1:0', addrBookStrict: false, allowDuplicateIp: true, moniker },
    nodeKey: generateNodeKey(),
    network,
    addrBook: (c) => addrBook({ strict: false })(c),
    // nothing dials on its own during the test: the crawl is the only traffic
    layerOptions: { pex: { ensurePeersPeriodMs: hold.period }, peerManager: { ensurePeersPeriodMs: hold.period } }
  })
  await node.start()
  nodes.push(node)
  return node
}

beforeAll(async () => {
  tmp = await tempDir('p2p-crawl-')
  seed = await make('seed')
  for (let i = 0; i < 19; i++) live.push(await make(`node${i}`))
  killed = [await make('killed0'), await make('killed1')]
  foreign = await make('foreign', 'other-chain')
  // The tree: parent k knows children 4k+1..4k+4 of [seed, ...live].
  const all = [seed, ...live]
  for (let c = 1; c < all.length; c++) {
    const parent = all[Math.floor((c - 1) / 4)]!
    parent.components.addrBook.addAddress(all[c]!.listenAddress(), parent.listenAddress())
  }
  const leaf = live[live.length - 1]!
  for (const n of [...killed, foreign]) leaf.components.addrBook.addAddress(n.listenAddress(), leaf.listenAddress())
  for (const k of killed) await k.stop()
}, 60_000)

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()))
  await tmp?.cleanup()
})

function io() {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) } }
}

const opts = { concurrency: 8, timeout: 3_000, deadline: 60_000, fresh: 3_600_000, maxNodes: 1_000 }
const seedArg = (): string => {
  const a = seed.listenAddress()
  return `${a.id}@${a.ip}:${a.port}`
}

describe('p2p-node crawl', () => {
  it('maps the whole network from the seed alone, with each NodeInfo; killed and foreign nodes get their reason', async () => {
    const o = io()
    const file = join(tmp.dir, 'crawl.json')
    const code = await runCrawl([seedArg()], { ...opts, out: file }, o.io, { progress: false, signal: new AbortController().signal })
    expect(code, o.err.join('')).toBe(0)
    const report: CrawlReport = parseCrawlReport(await readFile(file, 'utf8'))
    expect(report.network).toBe(CHAIN) // learnt from the seed
    expect(report.nodes).toHaveLength(23)
    for (const n of [seed, ...live]) {
      const e = report.nodes.find((x) => x.id === n.id)
      expect(e, n.config.moniker).toMatchObject({ reachable: true, network: CHAIN })
      const info = n.nodeInfo()
      expect(e?.nodeInfo).toMatchObject({
        moniker: info.moniker,
        version: info.version,
        network: CHAIN,
        listenAddr: info.listenAddr,
        rpcAddress: info.other.rpcAddress,
        txIndex: info.other.txIndex,
        channels: Buffer.from(info.channels).toString('hex')
      })
      // the fields the network page reads
      expect(typeof e?.address).toBe('string')
      expect(Array.isArray(e?.peers)).toBe(true)
    }
    for (const k of killed) expect(report.nodes.find((x) => x.id === k.id)).toMatchObject({ reachable: false, reason: 'refused' })
    expect(report.nodes.find((x) => x.id === foreign.id)).toMatchObject({ reachable: false, reason: 'wrong-network', network: 'other-chain' })
    expect(report.summary).toMatchObject({ nodes: 23, reachable: 20, unreachable: { refused: 2, 'wrong-network': 1 } })
    const text = o.out.join('')
    expect(text).toContain('20 reachable')
    expect(text).toMatch(/unreachable: refused 2, wrong-network 1/)
    expect(text).toContain(`wrote 23 nodes to ${file}`)
  }, 60_000)

  it('--out .csv has one header row; --out .ndjson one node a line; --resume re-dials only what is stale', async () => {
    const csv = join(tmp.dir, 'crawl.csv')
    expect(await runCrawl([seedArg()], { ...opts, network: CHAIN, out: csv }, io().io, { progress: false, signal: new AbortController().signal })).toBe(0)
    const rows = (await readFile(csv, 'utf8')).trimEnd().split('\r\n')
    expect(rows[0]).toBe(CSV_COLUMNS.join(','))
    expect(rows).toHaveLength(24)

    const first = join(tmp.dir, 'first.json')
    expect(await runCrawl([seedArg()], { ...opts, network: CHAIN, out: first }, io().io, { progress: false, signal: new AbortController().signal })).toBe(0)
    const nd = join(tmp.dir, 'again.ndjson')
    const o = io()
    expect(await runCrawl([seedArg()], { ...opts, out: nd, resume: first }, o.io, { progress: false, signal: new AbortController().signal })).toBe(0)
    const lines = (await readFile(nd, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; carried?: boolean })
    expect(lines).toHaveLength(23)
    // the 20 reachable ones were fresh: kept; the 3 unreachable ones were dialled again
    expect(lines.filter((l) => l.carried === true)).toHaveLength(20)
    expect(o.out.join('')).toContain('20 kept from --resume')
  }, 60_000)

  it('a progress line on a terminal; bad input is a usage error', async () => {
    const o = io()
    expect(await runCrawl([seedArg()], { ...opts, network: CHAIN }, o.io, { progress: true, progressMs: 5, signal: new AbortController().signal })).toBe(0)
    expect(o.err.join('')).toMatch(/found \d+ {2}dialled \d+ {2}reachable \d+ {2}queued \d+ {2}[\d.]+\/s/)
    expect(await runCrawl(['nonsense'], opts, io().io, { progress: false })).toBe(2)
    expect(await runCrawl([seedArg()], { ...opts, out: 'x.txt' }, io().io, { progress: false })).toBe(2)
  }, 60_000)

  it('the summary prints shares, versions, networks and a histogram', () => {
    const r: CrawlReport = {
      format: 'p2p-crawl/1',
      startedAt: new Date(0).toISOString(),
      finishedAt: new Date(1000).toISOString(),
      elapsedMs: 1000,
      truncated: false,
      network: 'n',
      seeds: [],
      nodes: [],
      summary: {
        nodes: 2,
        dialled: 2,
        reachable: 1,
        reachableShare: 0.5,
        unreachable: { timeout: 1 },
        pending: 0,
        carried: 0,
        versions: { '0.34.35': 1 },
        networks: { n: 1 },
        handshakeMs: { buckets: [{ le: 5, count: 1 }, { le: null, count: 0 }], p50: 3, p90: 3, max: 3 }
      }
    }
    const s = crawlSummary(r)
    expect(s).toContain('2 nodes, 2 dialled, 1 reachable (50.0%')
    expect(s).toContain('unreachable: timeout 1')
    expect(s).toContain('versions:    0.34.35 1')
    expect(s).toMatch(/<= 5 ms #{40} 1/)
  })
})
