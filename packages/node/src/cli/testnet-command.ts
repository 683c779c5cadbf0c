import type { NodeLogger } from '../logger.js'
import { runTestnet, type TestnetResult, type TestnetSnapshot } from '../testnet.js'
import { startTestnetUi, type TestnetUi } from '../observability/testnet-ui.js'
import { EXIT } from './exit-codes.js'
import type { CliIO } from './main.js'
import { watchShutdown } from './signals.js'

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`

/** One compact line per tick: peers and known addresses per node (a summary past 16 nodes). */
export function progressLine(s: TestnetSnapshot): string {
  const nodes = s.nodes.filter((n) => n.role === 'node')
  const head = `${secs(s.elapsedMs).padStart(6)}  ${String(s.atTarget).padStart(3)}/${s.total} at ${s.target} peers`
  if (nodes.length <= 16) {
    const peers = nodes.map((n) => String(n.peers).padStart(2)).join(' ')
    const known = nodes.map((n) => String(n.known).padStart(2)).join(' ')
    return `${head} | peers ${peers} | known ${known}`
  }
  const stats = (v: number[]): string => {
    const sorted = [...v].sort((a, b) => a - b)
    return `min ${sorted[0]} med ${sorted[sorted.length >> 1]} max ${sorted[sorted.length - 1]}`
  }
  return `${head} | peers ${stats(nodes.map((n) => n.peers))} | known ${stats(nodes.map((n) => n.known))}`
}

export function summaryTable(r: TestnetResult): string {
  const rows = [['node', 'id', 'address', 'peers', 'out', 'in', 'known', 'at target']]
  for (const n of r.nodes) {
    rows.push([
      n.name,
      `${n.id.slice(0, 12)}…`,
      n.address.slice(n.address.indexOf('@') + 1),
      String(n.peers),
      String(n.outbound),
      String(n.inbound),
      String(n.known),
      n.role === 'seed' ? '(seed)' : n.reachedMs === undefined ? 'never' : secs(n.reachedMs)
    ])
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
  return rows.map((row) => row.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ')).join('\n')
}

/** `p2p-node testnet`: 0 when every node reached its target in time, 1 with the reason otherwise. */
export async function runTestnetCommand(opts: Record<string, unknown>, io: CliIO, logger: NodeLogger): Promise<number> {
  const nodes = opts.nodes as number
  const seeds = opts.seeds as number
  const watch = watchShutdown()
  let ui: TestnetUi | undefined
  try {
    if (nodes < 2) {
      io.stderr('p2p-node: error: --nodes must be at least 2\n')
      return EXIT.USAGE
    }
    const target = (opts.target as number | undefined) ?? Math.min(4, nodes - 1)
    if (target > nodes - 1) {
      io.stderr(`p2p-node: error: --target ${target} is more than --nodes - 1 (${nodes - 1}): a node cannot have that many peers\n`)
      return EXIT.USAGE
    }
    io.stdout(
      `testnet: ${seeds} seed${seeds === 1 ? '' : 's'} and ${nodes} nodes on 127.0.0.1, each started with only the seed address${seeds === 1 ? '' : 'es'};\n` +
        `waiting until every node has ${target} peers (timeout ${secs(opts.timeout as number)}, PEX period ${secs(opts.period as number)})\n`
    )
    const page = opts.ui === undefined ? undefined : await startTestnetUi(opts.ui === true ? undefined : String(opts.ui), io)
    ui = page
    const result = await runTestnet({
      nodes,
      seeds,
      target,
      timeoutMs: opts.timeout as number,
      periodMs: opts.period as number,
      logger,
      signal: watch.signal,
      ...(page === undefined ? {} : { onStarted: page.show, beforeStop: (r: TestnetResult) => page.hold(r, watch.signal) }),
      ...(opts.quiet === true ? {} : { onTick: (s: TestnetSnapshot) => io.stdout(`${progressLine(s)}\n`) })
    })
    io.stdout(`\n${summaryTable(result)}\n\n`)
    const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(0)} MiB`
    if (result.converged) {
      io.stdout(`converged: all ${result.total} nodes have at least ${target} peers after ${secs(result.convergedMs ?? 0)} (start-up ${secs(result.startupMs)}, rss ${mib(result.memory.rss)}); network stopped\n`)
      return EXIT.OK
    }
    io.stderr(`p2p-node: testnet did not converge: ${result.reason}\n`)
    return EXIT.FAILURE
  } finally {
    await ui?.stop()
    watch.dispose()
  }
}
