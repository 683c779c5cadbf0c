/**
 * Two-process A/B of connection set-up between two checkouts' built transports: in each round,
 * for each tree, a fresh listener process and a fresh dialer process of that tree (the peer roles
 * of `transport-handshake-vs-go.ts`, this checkout's copy, run against the tree's `dist/`), our
 * dialers → our listener, `--parallel` at once: `--warmup` connections, then `--conns` measured.
 * Rounds alternate which tree goes first (A B, B A, …), so a drift of the machine's speed hits
 * both alike. Prints each cell, then per round B / A of each side's CPU per connection (user +
 * system of its process) and of the rate: the median, the range and in how many rounds B was
 * cheaper. On a shared VM a single cell can be 20–30 % off; only the paired ratios are read.
 *
 * A tree is a checkout (for instance `git worktree add --detach ../before <rev>`, installed and
 * built) whose `packages/transport/dist` is current; build both first.
 *
 * Run: npx tsx packages/transport/bench/two-process-ab.ts <treeA> <treeB> [--rounds=12] [--conns=3000] [--warmup=3000] [--parallel=8]
 */
import { copyFileSync, mkdirSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { median, numberArg, plainCopies, roleProcess } from './transport-common.js'

const trees = process.argv.slice(2).filter((a) => !a.startsWith('--'))
if (trees.length !== 2) {
  console.error('usage: two-process-ab.ts <treeA> <treeB> [--rounds=12] [--conns=3000] [--warmup=3000] [--parallel=8]')
  process.exit(2)
}
const ROUNDS = numberArg('rounds', 12)
const CONNS = numberArg('conns', 3000)
const WARMUP = numberArg('warmup', 3000)
const PARALLEL = numberArg('parallel', 8)

/** The peer roles, copied next to the tree's `dist/` so that they import its transport. */
const ownCopy = await plainCopies(['transport-handshake-vs-go.ts', 'transport-common.ts'])
function rolesIn(tree: string): string {
  const dir = join(resolve(tree), 'packages/transport/.tmp')
  mkdirSync(dir, { recursive: true })
  for (const name of ['transport-handshake-vs-go.js', 'transport-common.js']) copyFileSync(join(ownCopy, '..', name), join(dir, name))
  return join(dir, 'transport-handshake-vs-go.js')
}
const scripts = trees.map(rolesIn)

interface Cell {
  rate: number
  dialerUs: number
  listenerUs: number
}

async function cell(script: string): Promise<Cell> {
  const listener = roleProcess(script, 'listener')
  const { addr } = (await listener.next()) as { addr: string }
  const dialer = roleProcess(script, 'dialer')
  await dialer.next()
  dialer.send(`run ${addr} ${PARALLEL} 600000 0 ${WARMUP}`)
  await dialer.next()
  listener.send('cpu')
  const l0 = (await listener.next()) as { cpuUs: number }
  dialer.send(`run ${addr} ${PARALLEL} 600000 0 ${CONNS}`)
  const r = (await dialer.next()) as { conns: number; errors: number; ms: number; cpuUs: number }
  listener.send('cpu')
  const l1 = (await listener.next()) as { cpuUs: number }
  dialer.send('exit')
  listener.send('exit')
  await Promise.all([dialer, listener].map((p) => new Promise((done) => (p.proc.exitCode !== null ? done(undefined) : p.proc.once('exit', done)))))
  if (r.errors > 0) console.log(`  (${r.errors} connections failed)`)
  return { rate: (r.conns / r.ms) * 1000, dialerUs: r.cpuUs / r.conns, listenerUs: (l1.cpuUs - l0.cpuUs) / r.conns }
}

const ratios = { dialer: [] as number[], listener: [] as number[], rate: [] as number[] }
console.log(`A = ${trees[0]}, B = ${trees[1]}; ${ROUNDS} rounds of ${CONNS} connections (after ${WARMUP}), ${PARALLEL} dialers`)
console.log('| round | tree | connections/s | dialer CPU µs/conn | listener CPU µs/conn |\n| ---: | --- | ---: | ---: | ---: |')
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 === 1 ? [0, 1] : [1, 0]
  const cells: Cell[] = []
  for (const i of order) {
    const c = await cell(scripts[i] as string)
    cells[i] = c
    console.log(`| ${round} | ${i === 0 ? 'A' : 'B'} ${basename(trees[i] as string)} | ${c.rate.toFixed(0)} | ${c.dialerUs.toFixed(0)} | ${c.listenerUs.toFixed(0)} |`)
  }
  const [a, b] = cells as [Cell, Cell]
  ratios.dialer.push(b.dialerUs / a.dialerUs)
  ratios.listener.push(b.listenerUs / a.listenerUs)
  ratios.rate.push(b.rate / a.rate)
}
const show = (xs: number[], cheaper: boolean): string =>
  `${median(xs).toFixed(3)}× [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]${cheaper ? `, B cheaper in ${xs.filter((x) => x < 1).length} of ${xs.length}` : ''}`
console.log(`\nB / A per round: dialer CPU ${show(ratios.dialer, true)}; listener CPU ${show(ratios.listener, true)}; connections/s ${show(ratios.rate, false)}`)
