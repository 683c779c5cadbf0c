import { netAddressString, type NodeInfo } from '@p2p/types'
import type { CrawlRecord } from '../crawler.js'
import { networkOfRejection, type UnreachableReason, unreachableReason } from './reasons.js'

/** The tag of a crawl file (`format` field); bumped on an incompatible change of the schema. */
export const CRAWL_FORMAT = 'p2p-crawl/1'

/** A node's NodeInfo as written to a crawl file (channels as hex, versions as numbers). */
export interface CrawlNodeInfo {
  moniker: string
  version: string
  network: string
  protocolVersion: { p2p: number; block: number; app: number }
  /** Channel IDs, two hex digits each, e.g. `"0020212230"`. */
  channels: string
  listenAddr: string
  rpcAddress: string
  txIndex: string
}

/**
 * One node of a crawl file. `id`, `address`, `reachable` and `peers` are what the node's
 * network page reads; the rest is the crawl's record.
 */
export interface CrawlNode {
  id: string
  /** `id@ip:port`, the address dialled. */
  address: string
  reachable: boolean
  /** `pending`: not dialled (deadline, abort, node limit). */
  status: 'reachable' | 'unreachable' | 'pending'
  /** Why an unreachable node was not reached. */
  reason?: UnreachableReason
  /** The error's message (unreachable), for a human. */
  error?: string
  /** The node's chain ID: from its NodeInfo, or from the refusal when it is on another network. */
  network?: string
  /** Why a reachable node returned no addresses (timeout, closed, bad message). */
  pexError?: string
  /** TCP connect + secret handshake + NodeInfo exchange, ms. */
  handshakeMs?: number
  /** PexRequest → PexAddrs, ms. */
  answerMs?: number
  nodeInfo?: CrawlNodeInfo
  /** Addresses in its answer that were valid. */
  addrsReturned?: number
  /** IDs of the nodes in its answer (at most 250, as PEX enforces). */
  peers?: string[]
  /** Distinct nodes whose answers held this node. */
  reportedBy: number
  /** When a crawl first / last heard of it (ISO 8601). */
  firstSeen: string
  lastSeen: string
  /** When a crawl last dialled it (ISO 8601); what `resume` compares. */
  checkedAt?: string
  /** True when this entry was carried over from the previous crawl without a dial. */
  carried?: boolean
}

/** One bucket of the handshake-time histogram in a {@link CrawlSummary}. */
export interface HistogramBucket {
  /** Upper bound in ms, inclusive; `null` for the last, open bucket. */
  le: number | null
  /** Reachable nodes whose handshake took at most `le` ms and more than the previous bound. */
  count: number
}

/** The counts of a crawl report, derived from its nodes by {@link summarize}. */
export interface CrawlSummary {
  nodes: number
  /** Nodes this crawl dialled (not pending, not carried over). */
  dialled: number
  reachable: number
  /** reachable / (reachable + unreachable), 0 when nothing was dialled. */
  reachableShare: number
  unreachable: Partial<Record<UnreachableReason, number>>
  pending: number
  carried: number
  /** Software versions of reachable nodes, with counts. */
  versions: Record<string, number>
  /** Chain IDs seen (reachable nodes and nodes refused for their network). */
  networks: Record<string, number>
  handshakeMs: { buckets: HistogramBucket[]; p50?: number; p90?: number; max?: number }
}

/**
 * A crawl file (`p2p-node crawl --out`, the shape of `schema/crawl.schema.json`): when and from
 * which seeds the crawl ran, every node heard of, and a summary.
 */
export interface CrawlReport {
  format: typeof CRAWL_FORMAT
  startedAt: string
  finishedAt: string
  elapsedMs: number
  /** The deadline, the signal or the node limit cut the crawl short. */
  truncated: boolean
  /** The chain ID the crawler announced (nodes of other networks refuse, and are refused). */
  network?: string
  seeds: string[]
  nodes: CrawlNode[]
  summary: CrawlSummary
}

const iso = (ms: number): string => new Date(ms).toISOString()
const round = (ms: number): number => Math.round(ms * 100) / 100

/** A NodeInfo as a crawl file stores it: versions as numbers, channels as hex, `other` flattened. */
export function nodeInfoJson(info: NodeInfo): CrawlNodeInfo {
  return {
    moniker: info.moniker,
    version: info.version,
    network: info.network,
    protocolVersion: { p2p: Number(info.protocolVersion.p2p), block: Number(info.protocolVersion.block), app: Number(info.protocolVersion.app) },
    channels: Buffer.from(info.channels).toString('hex'),
    listenAddr: info.listenAddr,
    rpcAddress: info.other.rpcAddress,
    txIndex: info.other.txIndex
  }
}

/** One crawl record as a file entry; `peers` are the IDs its answer held, `checkedAt` when it was dialled. */
export function recordToNode(rec: CrawlRecord, peers?: readonly string[], checkedAt?: number): CrawlNode {
  const n: CrawlNode = {
    id: rec.id,
    address: netAddressString(rec.addr),
    reachable: rec.status === 'reachable',
    status: rec.status,
    reportedBy: rec.reportedBy,
    firstSeen: iso(rec.firstSeen),
    lastSeen: iso(rec.lastSeen)
  }
  if (rec.status === 'unreachable' && rec.error !== undefined) {
    n.reason = unreachableReason(rec.error)
    n.error = rec.error.message
    const net = networkOfRejection(rec.error)
    if (net !== undefined) n.network = net
  }
  if (rec.nodeInfo !== undefined) {
    n.nodeInfo = nodeInfoJson(rec.nodeInfo)
    n.network = rec.nodeInfo.network
  }
  if (rec.pexError !== undefined) n.pexError = rec.pexError.message
  if (rec.handshakeMs !== undefined) n.handshakeMs = round(rec.handshakeMs)
  if (rec.answerMs !== undefined) n.answerMs = round(rec.answerMs)
  if (rec.addrsReturned !== undefined) n.addrsReturned = rec.addrsReturned
  if (peers !== undefined) n.peers = [...peers]
  if (checkedAt !== undefined && rec.status !== 'pending') n.checkedAt = iso(checkedAt)
  return n
}

/** Upper bounds of the handshake-time histogram, ms. */
export const HANDSHAKE_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500] as const

function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/**
 * Counts `nodes` into a {@link CrawlSummary}: reachable, unreachable by reason, pending and
 * carried over, versions and networks, and the handshake times of reachable nodes (histogram
 * over {@link HANDSHAKE_BUCKETS_MS}, p50, p90, max).
 */
export function summarize(nodes: readonly CrawlNode[]): CrawlSummary {
  const s: CrawlSummary = {
    nodes: nodes.length,
    dialled: 0,
    reachable: 0,
    reachableShare: 0,
    unreachable: {},
    pending: 0,
    carried: 0,
    versions: {},
    networks: {},
    handshakeMs: { buckets: [...HANDSHAKE_BUCKETS_MS, null].map((le) => ({ le, count: 0 })) }
  }
  const times: number[] = []
  for (const n of nodes) {
    if (n.carried === true) s.carried++
    else if (n.status !== 'pending') s.dialled++
    if (n.status === 'pending') s.pending++
    else if (n.reachable) s.reachable++
    else {
      const r = n.reason ?? 'error'
      s.unreachable[r] = (s.unreachable[r] ?? 0) + 1
    }
    if (n.nodeInfo !== undefined) s.versions[n.nodeInfo.version] = (s.versions[n.nodeInfo.version] ?? 0) + 1
    if (n.network !== undefined) s.networks[n.network] = (s.networks[n.network] ?? 0) + 1
    if (n.reachable && n.handshakeMs !== undefined) {
      times.push(n.handshakeMs)
      const i = HANDSHAKE_BUCKETS_MS.findIndex((le) => n.handshakeMs! <= le)
      s.handshakeMs.buckets[i === -1 ? HANDSHAKE_BUCKETS_MS.length : i]!.count++
    }
  }
  const failed = Object.values(s.unreachable).reduce((a, b) => a + b, 0)
  s.reachableShare = s.reachable + failed === 0 ? 0 : round(s.reachable / (s.reachable + failed))
  times.sort((a, b) => a - b)
  const p50 = quantile(times, 0.5)
  const p90 = quantile(times, 0.9)
  if (p50 !== undefined) s.handshakeMs.p50 = p50
  if (p90 !== undefined) s.handshakeMs.p90 = p90
  if (times.length > 0) s.handshakeMs.max = times[times.length - 1]!
  return s
}



