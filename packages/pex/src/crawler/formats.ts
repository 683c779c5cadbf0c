import { InvalidArgumentError } from '@p2p/types'
import { CRAWL_FORMAT, type CrawlNode, type CrawlReport } from './report.js'

/** The formats of a crawl file: one JSON report, CSV (one row per node), or NDJSON (one node per line). */
export type CrawlFileFormat = 'json' | 'csv' | 'ndjson'

/** The format a file name asks for (`.json`, `.csv`, `.ndjson` / `.jsonl`), or undefined. */
export function crawlFormatOf(path: string): CrawlFileFormat | undefined {
  const p = path.toLowerCase()
  if (p.endsWith('.json')) return 'json'
  if (p.endsWith('.csv')) return 'csv'
  if (p.endsWith('.ndjson') || p.endsWith('.jsonl')) return 'ndjson'
  return undefined
}

/** The CSV columns, in order (one header row; nested fields flattened). */
export const CSV_COLUMNS = [
  'id',
  'address',
  'reachable',
  'status',
  'reason',
  'error',
  'network',
  'moniker',
  'version',
  'channels',
  'listen_addr',
  'rpc_address',
  'tx_index',
  'handshake_ms',
  'answer_ms',
  'addrs_returned',
  'reported_by',
  'first_seen',
  'last_seen',
  'checked_at'
] as const

function cell(v: string | number | boolean | undefined): string {
  if (v === undefined) return ''
  const s = String(v)
  // RFC 4180: quote a field holding a comma, a quote or a line break; double the quotes. A
  // leading =, +, - or @ is prefixed with ' so a spreadsheet does not run a node's moniker.
  const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

/**
 * One node as a CSV row in {@link CSV_COLUMNS} order, without the line break. Fields are quoted
 * per RFC 4180, and a text field starting with `=`, `+`, `-` or `@` gets a leading `'` so a
 * spreadsheet does not evaluate a node's moniker as a formula.
 */
export function csvRow(n: CrawlNode): string {
  const i = n.nodeInfo
  const values = [
    n.id,
    n.address,
    n.reachable,
    n.status,
    n.reason,
    n.error,
    n.network,
    i?.moniker,
    i?.version,
    i?.channels,
    i?.listenAddr,
    i?.rpcAddress,
    i?.txIndex,
    n.handshakeMs,
    n.answerMs,
    n.addrsReturned,
    n.reportedBy,
    n.firstSeen,
    n.lastSeen,
    n.checkedAt
  ]
  return values.map(cell).join(',')
}

/** The report's nodes as CSV: a header row of {@link CSV_COLUMNS}, then one row per node, CRLF line ends (the summary is left out). */
export function toCsv(report: CrawlReport): string {
  return [CSV_COLUMNS.join(','), ...report.nodes.map(csvRow)].join('\r\n') + '\r\n'
}

/** One JSON object per line, one per node (the summary is not included: it is derivable). */
export function toNdjson(report: CrawlReport): string {
  return report.nodes.map((n) => JSON.stringify(n)).join('\n') + (report.nodes.length > 0 ? '\n' : '')
}

/** The whole report (nodes and summary) as indented JSON with a final newline: the file {@link parseCrawlReport} reads back. */
export function toJson(report: CrawlReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}

/** The report written in `format` (see {@link toJson}, {@link toCsv}, {@link toNdjson}). */
export function serializeCrawl(report: CrawlReport, format: CrawlFileFormat): string {
  return format === 'csv' ? toCsv(report) : format === 'ndjson' ? toNdjson(report) : toJson(report)
}

/**
 * Reads a crawl file written as JSON (for `resume`): checks the format tag and each node's
 * `id`, `address`, `reachable` and times; throws `InvalidArgumentError` on anything else.
 */
export function parseCrawlReport(text: string, maxNodes = 100_000): CrawlReport {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (err) {
    throw new InvalidArgumentError(`crawl file is not JSON: ${(err as Error).message}`)
  }
  const r = v as Partial<CrawlReport> | null
  if (r === null || typeof r !== 'object' || r.format !== CRAWL_FORMAT) throw new InvalidArgumentError(`not a crawl file (format must be "${CRAWL_FORMAT}")`)
  if (!Array.isArray(r.nodes)) throw new InvalidArgumentError('crawl file has no "nodes" array')
  if (r.nodes.length > maxNodes) throw new InvalidArgumentError(`crawl file lists ${r.nodes.length} nodes, more than ${maxNodes}`)
  for (const [i, n] of r.nodes.entries()) {
    const ok =
      n !== null &&
      typeof n === 'object' &&
      typeof n.id === 'string' &&
      typeof n.address === 'string' &&
      typeof n.reachable === 'boolean' &&
      typeof n.lastSeen === 'string' &&
      (n.checkedAt === undefined || typeof n.checkedAt === 'string')
    if (!ok) throw new InvalidArgumentError(`crawl file: nodes[${i}] needs string id, address, lastSeen and boolean reachable`)
  }
  return r as CrawlReport
}
