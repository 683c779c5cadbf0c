/**
 * Time for an in-process testnet to converge, and its memory: a seed and N nodes on 127.0.0.1,
 * each knowing only the seed, until every node has `target` neighbours (seeds not counted).
 * Each run is a fresh process. Same-run baselines: the process's memory just before the network
 * starts (with every module loaded), so "per node" is what the nodes add; and the PEX /
 * peer-manager period, since convergence in periods is what carries over to Go's 30 s.
 *
 *   node --import tsx packages/node/bench/testnet.ts [--runs 3] [--sizes 10,50]
 */
import { execFileSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '10,50' },
    target: { type: 'string', default: '4' },
    period: { type: 'string', default: '500' }
  }
})
const one = fileURLToPath(new URL('./testnet-one.ts', import.meta.url))
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1] ?? Number.NaN
const mib = (b: number): string => (b / 1024 / 1024).toFixed(1)
const s = (ms: number): string => (ms / 1000).toFixed(2)

interface Run {
  converged: boolean
  reason?: string
  convergedMs: number
  startupMs: number
  rssBefore: number
  heapBefore: number
  rss: number
  heap: number
}

console.log(`testnet convergence: target ${values.target} neighbours, period ${values.period} ms, ${values.runs} runs each, load average ${loadavg()[0]?.toFixed(1)} at start`)
console.log('| nodes | converged | time to converge, median (range) | in periods | start-up | rss before → at converge | heap before → at converge | per node (heap) |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
for (const nodes of values.sizes.split(',').map(Number)) {
  const runs: Run[] = []
  for (let i = 0; i < Number(values.runs); i++) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', one, String(nodes), values.target, values.period], { encoding: 'utf8' })
    runs.push(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Run)
  }
  const ok = runs.filter((r) => r.converged)
  const failed = runs.length - ok.length
  if (ok.length === 0) {
    console.log(`| ${nodes} | 0/${runs.length} | ${runs[0]?.reason ?? ''} | | | | | |`)
    continue
  }
  const c = ok.map((r) => r.convergedMs)
  const med = (f: (r: Run) => number): number => median(ok.map(f))
  console.log(
    `| ${nodes} | ${ok.length}/${runs.length}${failed > 0 ? ` (${runs.find((r) => !r.converged)?.reason})` : ''} | ${s(median(c))} s (${s(Math.min(...c))}–${s(Math.max(...c))}) | ${(median(c) / Number(values.period)).toFixed(1)} | ${med((r) => r.startupMs).toFixed(0)} ms | ${mib(med((r) => r.rssBefore))} → ${mib(med((r) => r.rss))} MiB | ${mib(med((r) => r.heapBefore))} → ${mib(med((r) => r.heap))} MiB | ${(med((r) => (r.heap - r.heapBefore) / (nodes + 1)) / 1024).toFixed(0)} KiB |`
  )
}
