import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { generateNodeKey } from '@p2p/config'
import { tcpTransport } from '@p2p/transport'
import {
  AuthFailureError,
  DialError,
  HandshakeError,
  type NetAddress,
  NodeInfoError,
  type NodeInfo,
  RejectedError,
  TimeoutError,
  type Transport
} from '@p2p/types'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import {
  CSV_COLUMNS,
  type CrawlReport,
  crawlNetwork,
  decodePexMessage,
  encodePexAddrs,
  MAX_PEX_MESSAGE_SIZE,
  networkOfRejection,
  PEX_CHANNEL,
  parseCrawlReport,
  toCsv,
  toJson,
  toNdjson,
  unreachableReason
} from '../src/index.js'
import { crawlFixtures } from './helpers/network.js'

/*
 * crawlNetwork() (reports, reasons, edges, resume, files) on a loopback network of real PEX
 * nodes, plus hostile peers built from the transport and the PEX codec.
 */

const { host, node, silentServer, keepTransport } = crawlFixtures(150)

function info(id: string, network: string, channels: number[], moniker: string): NodeInfo {
  return {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: id as NodeInfo['id'],
    listenAddr: 'tcp://127.0.0.1:0',
    network,
    version: '0.34.35',
    channels: Uint8Array.from(channels),
    moniker,
    other: { txIndex: 'on', rpcAddress: 'tcp://127.0.0.1:26657' }
  }
}

/** A dial-only transport, as the CLI builds it. */
async function crawlerTransport(network = 'pex-test'): Promise<Transport> {
  const key = generateNodeKey()
  const t = tcpTransport({ dialOnly: true, allowDuplicateIp: true })({ nodeKey: key, nodeInfo: () => info(key.id, network, [0], 'crawler') })
  await t.start()
  keepTransport(t)
  return t
}

/** A peer that completes the handshake and answers every PexRequest with `answer` (raw bytes). */
async function hostilePeer(answer: Uint8Array): Promise<NetAddress> {
  const key = generateNodeKey()
  const h = host()
  const t = tcpTransport({ listen: `${h}:0`, allowDuplicateIp: true })({ nodeKey: key, nodeInfo: () => info(key.id, 'pex-test', [0], 'hostile') })
  await t.start()
  keepTransport(t)
  void (async () => {
    for await (const conn of t.accept()) {
      conn.start([{ id: PEX_CHANNEL, priority: 1, sendQueueCapacity: 4, recvMessageCapacity: MAX_PEX_MESSAGE_SIZE }], {
        onReceive: (_ch, msg) => {
          if (decodePexMessage(msg).type === 'request') void conn.send(PEX_CHANNEL, answer)
        },
        onClose: () => {}
      })
    }
  })()
  return t.listenAddress()
}

const schema = JSON.parse(readFileSync(new URL('../schema/crawl.schema.json', import.meta.url), 'utf8')) as object
function validator() {
  const ajv = new Ajv({ allErrors: true, strict: true })
  ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s) && !Number.isNaN(Date.parse(s)))
  const validate = ajv.compile(schema)
  return (v: unknown): void => {
    if (!validate(v)) throw new Error(`schema: ${ajv.errorsText(validate.errors)}`)
  }
}

const nodeOf = (r: CrawlReport, id: string) => r.nodes.find((n) => n.id === id)

describe('crawlNetwork()', () => {
  it('maps the network from one seed: NodeInfo, edges, typed reasons, a summary; the JSON file validates', async () => {
    const live = [await node(), await node(), await node(), await node()]
    const foreign = await node('another-chain')
    const deadNode = await node()
    const dead = deadNode.addr
    await deadNode.stop()
    const never = await silentServer()
    for (let i = 0; i < live.length - 1; i++) live[i]!.book.addAddress(live[i + 1]!.addr, live[i]!.addr)
    live[1]!.book.addAddress(dead, live[1]!.addr)
    live[2]!.book.addAddress(foreign.addr, live[2]!.addr)
    live[2]!.book.addAddress(never, live[2]!.addr)

    const transport = await crawlerTransport()
    const streamed: string[] = []
    const report = await crawlNetwork([live[0]!.addr], { transport, network: 'pex-test', dialTimeoutMs: 1_000, onNode: (n) => streamed.push(n.id) })
    validator()(JSON.parse(toJson(report)))
    expect(report.nodes).toHaveLength(7)
    expect(streamed).toHaveLength(7)
    for (const n of live) {
      const e = nodeOf(report, n.addr.id)
      expect(e).toMatchObject({ reachable: true, status: 'reachable', network: 'pex-test' })
      expect(e?.nodeInfo).toMatchObject({ moniker: `pex-${n.addr.id.slice(0, 6)}`, version: '0.34.35', network: 'pex-test', channels: '00', txIndex: 'off' })
      expect(e?.nodeInfo?.listenAddr).toBe(`tcp://${n.addr.ip}:${n.addr.port}`)
      expect(e?.address).toBe(`${n.addr.id}@${n.addr.ip}:${n.addr.port}`)
      expect(e?.checkedAt).toBeDefined()
    }
    // Edges, as the network page draws them: each node's answer.
    expect(nodeOf(report, live[0]!.addr.id)?.peers).toContain(live[1]!.addr.id)
    expect(nodeOf(report, live[2]!.addr.id)?.peers).toEqual(expect.arrayContaining([live[3]!.addr.id, foreign.addr.id, never.id]))
    expect(nodeOf(report, dead.id)).toMatchObject({ reachable: false, reason: 'refused', reportedBy: 1 })
    expect(nodeOf(report, foreign.addr.id)).toMatchObject({ reachable: false, reason: 'wrong-network', network: 'another-chain' })
    expect(nodeOf(report, never.id)).toMatchObject({ reachable: false, reason: 'timeout' })
    expect(report.summary).toMatchObject({
      nodes: 7,
      dialled: 7,
      reachable: 4,
      unreachable: { refused: 1, 'wrong-network': 1, timeout: 1 },
      versions: { '0.34.35': 4 },
      networks: { 'pex-test': 4, 'another-chain': 1 }
    })
    expect(report.summary.reachableShare).toBeCloseTo(4 / 7, 2)
    expect(report.summary.handshakeMs.buckets.reduce((a, b) => a + b.count, 0)).toBe(4)

    // CSV: one header row then one row per node; NDJSON: one valid node per line.
    const csv = toCsv(report).trimEnd().split('\r\n')
    expect(csv[0]).toBe(CSV_COLUMNS.join(','))
    expect(csv).toHaveLength(8)
    expect(csv.filter((l) => l.startsWith('id,'))).toHaveLength(1)
    const lines = toNdjson(report).trimEnd().split('\n')
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id).sort()).toEqual(report.nodes.map((n) => n.id).sort())
    // It round-trips through the resume reader.
    expect(parseCrawlReport(toJson(report)).nodes).toHaveLength(7)
  })

  it('resume: carries over nodes reached recently without a dial, re-dials the rest', async () => {
    const a = await node()
    const b = await node()
    a.book.addAddress(b.addr, a.addr)
    const transport = await crawlerTransport()
    const first = await crawlNetwork([a.addr], { transport, dialTimeoutMs: 1_000 })
    expect(first.summary.reachable).toBe(2)
    // b was reached 2 h ago (stale), a just now (fresh).
    const old = new Date(Date.now() - 7_200_000).toISOString()
    const previous: CrawlReport = { ...first, nodes: first.nodes.map((n) => (n.id === b.addr.id ? { ...n, checkedAt: old } : n)) }
    let dials = 0
    const counting = Object.assign(Object.create(transport) as Transport, {
      dial: (addr: NetAddress, o?: { signal?: AbortSignal }) => {
        dials++
        return transport.dial(addr, o)
      }
    })
    const second = await crawlNetwork([a.addr], { transport: counting, previous, freshMs: 3_600_000, dialTimeoutMs: 1_000 })
    validator()(JSON.parse(toJson(second)))
    expect(dials).toBe(1)
    expect(nodeOf(second, a.addr.id)).toMatchObject({ carried: true, reachable: true })
    expect(nodeOf(second, b.addr.id)?.carried).toBeUndefined()
    expect(nodeOf(second, b.addr.id)?.reachable).toBe(true)
    expect(second.summary).toMatchObject({ nodes: 2, dialled: 1, carried: 1 })
  })

  it('hostile peers: 250 garbage addresses, 10,000 addresses, a silent socket — the crawl ends in its deadline and reports them', async () => {
    const garbage = Array.from({ length: 250 }, (_, i) => ({ id: `zz${i}`, ip: '999.1.1.1', port: 70_000 + i }))
    const big = Array.from({ length: 10_000 }, () => ({ id: randomBytes(20).toString('hex'), ip: '127.0.9.1', port: 1 }))
    const g = await hostilePeer(encodePexAddrs(garbage))
    const flood = await hostilePeer(encodePexAddrs(big))
    const never = await silentServer()
    const transport = await crawlerTransport()
    const t0 = Date.now()
    const report = await crawlNetwork([g, flood, never], { transport, dialTimeoutMs: 1_000, answerTimeoutMs: 1_000, deadlineMs: 5_000, maxNodes: 100 })
    expect(Date.now() - t0).toBeLessThan(5_500)
    validator()(JSON.parse(toJson(report)))
    // No garbage and none of the 10,000 got in: only the three dialled.
    expect(report.nodes).toHaveLength(3)
    expect(nodeOf(report, g.id)).toMatchObject({ reachable: true, addrsReturned: 0, peers: [] })
    expect(nodeOf(report, flood.id)?.reachable).toBe(true)
    expect(nodeOf(report, flood.id)?.pexError).toBeDefined()
    expect(nodeOf(report, flood.id)?.addrsReturned).toBeUndefined()
    expect(nodeOf(report, never.id)).toMatchObject({ reachable: false, reason: 'timeout' })
  })
})

describe('crawl() concurrency from one seed', () => {
  it('addresses learnt from an answer are dialled in parallel (idle slots are refilled after each visit)', async () => {
    const root = await node()
    const children = [await node(), await node(), await node(), await node()]
    for (const c of children) root.book.addAddress(c.addr, root.addr)
    const inner = await crawlerTransport()
    let inFlight = 0
    let max = 0
    const counting = Object.assign(Object.create(inner) as Transport, {
      dial: async (addr: NetAddress, o?: { signal?: AbortSignal }) => {
        inFlight++
        max = Math.max(max, inFlight)
        try {
          await new Promise((r) => setTimeout(r, 30))
          return await inner.dial(addr, o)
        } finally {
          inFlight--
        }
      }
    })
    const report = await crawlNetwork([root.addr], { transport: counting, concurrency: 4, dialTimeoutMs: 2_000 })
    expect(report.summary.reachable).toBe(5)
    expect(max).toBe(4)
  })
})

describe('unreachableReason()', () => {
  it('maps each typed dial error to the reason an operator reads', () => {
    const wrongNet = new RejectedError('incompatible', 'incompatible', {
      cause: new NodeInfoError('network', 'peer is on a different network. Got cosmoshub-4, expected osmosis-1')
    })
    expect(unreachableReason(new DialError('1.2.3.4:26656', 'ECONNREFUSED'))).toBe('refused')
    expect(unreachableReason(new TimeoutError('handshake', 3000))).toBe('timeout')
    expect(unreachableReason(new HandshakeError('key-exchange', 'bad key'))).toBe('handshake-failed')
    expect(unreachableReason(new AuthFailureError('a', 'b'))).toBe('id-mismatch')
    expect(unreachableReason(wrongNet)).toBe('wrong-network')
    expect(networkOfRejection(wrongNet)).toBe('cosmoshub-4')
    expect(unreachableReason(new RejectedError('incompatible', 'no common channel'))).toBe('incompatible')
    expect(unreachableReason(new RejectedError('banned', 'banned'))).toBe('rejected')
    expect(unreachableReason(new Error('odd'))).toBe('error')
    expect(networkOfRejection(new DialError('x', 'y'))).toBeUndefined()
  })

  it('parseCrawlReport refuses what is not a crawl file', () => {
    expect(() => parseCrawlReport('{')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => parseCrawlReport('{"nodes":[]}')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => parseCrawlReport('{"format":"p2p-crawl/1","nodes":[{"id":1}]}')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })
})

