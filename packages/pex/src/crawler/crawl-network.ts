import { InvalidArgumentError, type NetAddress, netAddressString, parseNetAddressLiteral } from '@p2p/types'
import { crawl, type CrawlOptions, type CrawlRecord } from '../crawler.js'
import { CRAWL_FORMAT, type CrawlNode, type CrawlReport, recordToNode, summarize } from './report.js'
import { SKIPPED, TappedTransport } from './tap.js'

/** Options of {@link crawlNetwork}: those of {@link crawl}, plus the report's and resuming's. */
export interface CrawlNetworkOptions extends CrawlOptions {
  /** The chain ID the crawler announces, written to the report (the transport's NodeInfo decides). */
  network?: string
  /**
   * A previous report (`resume`): nodes it reached within `freshMs` are carried over without a
   * dial; every other node it lists is dialled again, as a seed.
   */
  previous?: CrawlReport
  /** How recent a previous reach must be to skip the node (default 1 h). */
  freshMs?: number
  /** Called once per node with its file entry when its outcome is known (progress, NDJSON). */
  onNode?: (node: CrawlNode, record: CrawlRecord) => void
  /** Clock, for tests (default `Date.now`). */
  now?: () => number
}

/** The previous report's nodes reached within `freshMs` of `now`, by ID. */
export function freshNodes(previous: CrawlReport | undefined, freshMs: number, now: number): Map<string, CrawlNode> {
  const fresh = new Map<string, CrawlNode>()
  for (const n of previous?.nodes ?? []) {
    const checked = n.checkedAt === undefined ? Number.NaN : Date.parse(n.checkedAt)
    if (n.reachable && now - checked <= freshMs) fresh.set(n.id, n)
  }
  return fresh
}

function addressOf(n: CrawlNode): NetAddress | undefined {
  try {
    return parseNetAddressLiteral(n.address)
  } catch {
    return undefined
  }
}

/**
 * {@link crawl} with what an operator's file needs: each node's answer (its `peers`), the typed
 * reason it was unreachable, a summary, and resuming from a previous report. Resolves with a
 * {@link CrawlReport} (the shape of `schema/crawl.schema.json`).
 */
export async function crawlNetwork(seeds: readonly NetAddress[], options: CrawlNetworkOptions): Promise<CrawlReport> {
  const now = options.now ?? Date.now
  const freshMs = options.freshMs ?? 3_600_000
  if (!(freshMs >= 0)) throw new InvalidArgumentError(`crawl freshMs must be >= 0, got ${freshMs}`)
  const startedAt = now()
  const fresh = freshNodes(options.previous, freshMs, startedAt)
  const tap = new TappedTransport(options.transport, (addr) => fresh.has(addr.id))

  // Seeds first, then every node of the previous crawl that is not fresh (once per ID).
  const start = new Map<string, NetAddress>()
  for (const a of seeds) if (!start.has(a.id)) start.set(a.id, a)
  for (const n of options.previous?.nodes ?? []) {
    const a = fresh.has(n.id) ? undefined : addressOf(n)
    if (a !== undefined && !start.has(a.id)) start.set(a.id, a)
  }

  const checked = new Map<string, number>()
  const { onNode, previous: _p, freshMs: _f, network, now: _n, ...crawlOptions } = options
  const result = await crawl([...start.values()], {
    ...crawlOptions,
    transport: tap,
    onRecord: (rec) => {
      options.onRecord?.(rec)
      if (isSkipped(rec)) return
      checked.set(rec.id, now())
      onNode?.(recordToNode(rec, tap.answers.get(rec.id), now()), rec)
    }
  })

  const nodes: CrawlNode[] = []
  const inReport = new Set<string>()
  for (const rec of result.records) {
    inReport.add(rec.id)
    const old = fresh.get(rec.id)
    if (old !== undefined && (isSkipped(rec) || rec.status === 'pending')) {
      // Carried over: the old entry, with what this crawl heard of it.
      const lastSeen = new Date(Math.max(Date.parse(old.lastSeen), rec.lastSeen)).toISOString()
      nodes.push({ ...old, lastSeen, reportedBy: Math.max(old.reportedBy, rec.reportedBy), carried: true })
      continue
    }
    nodes.push(recordToNode(rec, tap.answers.get(rec.id), checked.get(rec.id)))
  }
  // Fresh nodes nobody mentioned this time stay in the map.
  for (const old of fresh.values()) if (!inReport.has(old.id)) nodes.push({ ...old, carried: true })

  const finishedAt = now()
  return {
    format: CRAWL_FORMAT,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    elapsedMs: result.elapsedMs,
    truncated: result.truncated,
    ...(network === undefined ? {} : { network }),
    seeds: seeds.map(netAddressString),
    nodes,
    summary: summarize(nodes)
  }
}

function isSkipped(rec: CrawlRecord): boolean {
  return rec.status === 'unreachable' && rec.error?.name === 'RejectedError' && rec.error.message === SKIPPED
}
