import { generateNodeKey } from '@p2p/config'
import {

  type CrawlReport,
  crawlFormatOf,
  crawlNetwork,
  HANDSHAKE_BUCKETS_MS,
  networkOfRejection,
  PEX_CHANNEL,
  parseCrawlReport,
  serializeCrawl
} from '@p2p/pex'
import { tcpTransport } from '@p2p/transport'
import { type NetAddress, type NodeInfo, parseNetAddress, repeatingTask, type Transport } from '@p2p/types'
import { writeFileAtomic } from '@p2p/types/fs'
import { readFile } from 'node:fs/promises'
import { type Command, Option } from 'commander'
import { makeNodeInfo } from '../node-info.js'
import { EXIT } from './exit-codes.js'
import { parseDuration, parsePositive } from './flags.js'
import type { CliIO } from './main.js'
import { watchShutdown } from './signals.js'

export interface CrawlCommandOptions {
  out?: string
  concurrency: number
  timeout: number
  deadline: number
  network?: string
  resume?: string
  fresh: number
  maxNodes: number
  quiet?: boolean
}

/** Registers `p2p-node crawl <seed...>`; `setExit` receives the command's exit status. */
export function addCrawlCommand(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('crawl')
    .description('map a live network through the p2p protocol: dial each address, handshake, ask PEX for addresses, hang up')
    .argument('<seed...>', 'addresses to start from, id@host:port')
    .option('--out <file>', 'write every node to file.json, file.csv or file.ndjson')
    .addOption(new Option('--concurrency <n>', 'dials at once').argParser(parsePositive).default(16))
    .addOption(new Option('--timeout <duration>', 'per dial: TCP connect, handshake and NodeInfo').argParser(parseDuration).default(10_000, '10s'))
    .addOption(new Option('--deadline <duration>', 'the whole crawl; what is not dialled by then stays pending').argParser(parseDuration).default(600_000, '10m'))
    .option('--network <chain-id>', 'the chain ID to crawl (nodes of other networks are refused and reported); default: learnt from the first seed')
    .option('--resume <file.json>', 'a previous crawl: nodes it reached recently are kept without a dial')
    .addOption(new Option('--fresh <duration>', 'with --resume: how recent a reach must be to skip the node').argParser(parseDuration).default(3_600_000, '1h'))
    .addOption(new Option('--max-nodes <n>', 'most nodes recorded').argParser(parsePositive).default(10_000))
    .option('--quiet', 'no progress line, only the summary')
    .action(async (seeds: string[], opts: CrawlCommandOptions) => {
      setExit(await runCrawl(seeds, opts, io, { progress: process.stderr.isTTY === true && opts.quiet !== true }))
    })
}

/** Dial-only transport with a throwaway key; `network()` is read at each handshake. */
function crawlerTransport(network: () => string, timeoutMs: number): { transport: Transport; info: () => NodeInfo } {
  const key = generateNodeKey()
  const info = (): NodeInfo =>
    makeNodeInfo({ id: key.id, network: network(), moniker: 'p2p-node-crawl', rpcAddress: '', listenAddr: 'tcp://0.0.0.0:0', channels: [PEX_CHANNEL] })
  const transport = tcpTransport({
    dialOnly: true,
    // many nodes share an IP (NAT, one host running several): a crawler must reach each
    allowDuplicateIp: true,
    dialTimeoutMs: timeoutMs,
    handshakeTimeoutMs: timeoutMs,
    nodeInfoTimeoutMs: timeoutMs,
    // one PexRequest per connection: nothing to batch, so no 100 ms flush wait before it leaves
    mconnection: { flushThrottleMs: 0 }
  })({ nodeKey: key, nodeInfo: info })
  return { transport, info }
}

/**
 * Learns the chain ID from the seeds: a handshake with a placeholder network is refused, and the
 * refusal names the seed's network. One extra contact with one seed.
 */
async function learnNetwork(seeds: readonly NetAddress[], timeoutMs: number, signal: AbortSignal): Promise<string | undefined> {
  const placeholder = 'p2p-node-crawl-probe'
  const { transport } = crawlerTransport(() => placeholder, timeoutMs)
  await transport.start()
  try {
    for (const s of seeds) {
      try {
        const conn = await transport.dial(s, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) })
        await conn.close()
        return conn.remoteInfo.network
      } catch (err) {
        const net = networkOfRejection(err)
        if (net !== undefined) return net
        if (signal.aborted) return undefined
      }
    }
    return undefined
  } finally {
    await transport.stop()
  }
}

export interface CrawlRunEnv {
  /** Redraw a progress line on stderr (a terminal, not --quiet). */
  progress: boolean
  /** Progress redraw period (default 250 ms). */
  progressMs?: number
  signal?: AbortSignal
}

/** `p2p-node crawl`: 0 when at least one node was reached, 1 otherwise, 2 on bad input. */
export async function runCrawl(seedArgs: readonly string[], opts: CrawlCommandOptions, io: CliIO, env: CrawlRunEnv): Promise<number> {
  const format = opts.out === undefined ? undefined : crawlFormatOf(opts.out)
  if (opts.out !== undefined && format === undefined) {
    io.stderr(`p2p-node: error: --out ${opts.out}: the file name must end in .json, .csv or .ndjson\n`)
    return EXIT.USAGE
  }
  const seeds: NetAddress[] = []
  for (const s of seedArgs) {
    try {
      seeds.push(await parseNetAddress(s))
    } catch (err) {
      io.stderr(`p2p-node: error: seed ${s}: ${(err as Error).message} (expected id@host:port)\n`)
      return EXIT.USAGE
    }
  }
  let previous: CrawlReport | undefined
  if (opts.resume !== undefined) {
    try {
      previous = parseCrawlReport(await readFile(opts.resume, 'utf8'))
    } catch (err) {
      io.stderr(`p2p-node: error: --resume ${opts.resume}: ${(err as Error).message}\n`)
      return EXIT.CONFIG
    }
  }
  const watch = env.signal === undefined ? watchShutdown() : undefined
  const signal = env.signal ?? (watch as { signal: AbortSignal }).signal
  try {
    let network = opts.network ?? previous?.network
    if (network === undefined) {
      network = await learnNetwork(seeds, opts.timeout, signal)
      if (network === undefined) {
        io.stderr('p2p-node: error: could not learn the network from the seeds (none answered); pass --network <chain-id>\n')
        return EXIT.FAILURE
      }
      if (!env.progress && opts.quiet !== true) io.stderr(`network ${network} (learnt from the seeds)\n`)
    }
    const chain = network
    const { transport } = crawlerTransport(() => chain, opts.timeout)
    await transport.start()
    const stats = { found: new Set<string>(seeds.map((s) => s.id)), dialled: 0, reachable: 0, t0: performance.now() }
    const stopProgress = new AbortController()
    const line = (): string => {
      const secs = (performance.now() - stats.t0) / 1000
      const rate = secs > 0 ? stats.dialled / secs : 0
      const queued = Math.max(0, Math.min(stats.found.size, opts.maxNodes) - stats.dialled)
      return `found ${stats.found.size}  dialled ${stats.dialled}  reachable ${stats.reachable}  queued ${queued}  ${rate.toFixed(1)}/s  ${secs.toFixed(1)}s`
    }
    if (env.progress) {
      repeatingTask(() => io.stderr(`\r\x1b[2K${line()}`), { intervalMs: env.progressMs ?? 250, firstDelayMs: 0, signal: stopProgress.signal })
    }
    let report: CrawlReport
    try {
      report = await crawlNetwork(seeds, {
        transport,
        network: chain,
        concurrency: opts.concurrency,
        dialTimeoutMs: opts.timeout,
        deadlineMs: opts.deadline,
        maxNodes: opts.maxNodes,
        freshMs: opts.fresh,
        signal,
        ...(previous === undefined ? {} : { previous }),
        onNode: (n) => {
          stats.dialled++
          if (n.reachable) stats.reachable++
          for (const p of n.peers ?? []) if (stats.found.size < opts.maxNodes) stats.found.add(p)
        }
      })
    } finally {
      stopProgress.abort()
      if (env.progress) io.stderr(`\r\x1b[2K${line()}\n`)
      await transport.stop()
    }
    if (opts.out !== undefined && format !== undefined) {
      await writeFileAtomic(opts.out, serializeCrawl(report, format), { mode: 0o644 })
    }
    io.stdout(crawlSummary(report, opts.out))
    return report.summary.reachable > 0 ? EXIT.OK : EXIT.FAILURE
  } finally {
    watch?.dispose()
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
const counts = (o: Record<string, number>): string =>
  Object.entries(o)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '-'

/** The end-of-crawl summary: reachable share, reasons, versions, networks, handshake histogram. */
export function crawlSummary(r: CrawlReport, out?: string): string {
  const s = r.summary
  const secs = r.elapsedMs / 1000
  const lines = [
    `crawl of ${r.network ?? '?'}: ${s.nodes} nodes, ${s.dialled} dialled, ${s.reachable} reachable (${pct(s.reachableShare)} of those answering or refusing)` +
      `${s.carried > 0 ? `, ${s.carried} kept from --resume` : ''}${s.pending > 0 ? `, ${s.pending} not dialled` : ''}` +
      ` in ${secs.toFixed(1)}s (${(secs > 0 ? s.dialled / secs : 0).toFixed(1)} nodes/s)${r.truncated ? ' [cut short]' : ''}`,
    `unreachable: ${counts(s.unreachable as Record<string, number>)}`,
    `versions:    ${counts(s.versions)}`,
    `networks:    ${counts(s.networks)}`,
    'handshake:'
  ]
  const max = Math.max(1, ...s.handshakeMs.buckets.map((b) => b.count))
  for (const b of s.handshakeMs.buckets) {
    const label = b.le === null ? `> ${HANDSHAKE_BUCKETS_MS[HANDSHAKE_BUCKETS_MS.length - 1]} ms` : `<= ${b.le} ms`
    lines.push(`  ${label.padStart(10)} ${'#'.repeat(Math.round((b.count / max) * 40)).padEnd(40)} ${b.count}`)
  }
  if (s.handshakeMs.p50 !== undefined) lines.push(`  p50 ${s.handshakeMs.p50} ms, p90 ${s.handshakeMs.p90} ms, max ${s.handshakeMs.max} ms`)
  if (out !== undefined) lines.push(`wrote ${r.nodes.length} nodes to ${out}`)
  return `${lines.join('\n')}\n`
}

