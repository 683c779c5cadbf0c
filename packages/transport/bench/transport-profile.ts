/**
 * Prints where a CPU profile's time went: self time by function, then by file. Used to name the
 * top costs in BENCHMARKS-transport.md. Profile one case first, e.g.
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx packages/transport/bench/transport-vs-go.ts --only="MConnection 1 KiB"
 * then (the largest file is the main thread; the other is tsx's loader thread):
 * Run: npx tsx packages/transport/bench/transport-profile.ts /tmp/prof/<largest>.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const file = process.argv[2]
if (file === undefined) {
  console.error('usage: transport-profile.ts <file.cpuprofile> [top]')
  process.exit(2)
}
const top = Number(process.argv[3] ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const selfUs = new Map<number, number>()
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i] as number
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
}

const byFunction = new Map<string, number>()
const byFile = new Map<string, number>()
let total = 0
for (const [id, us] of selfUs) {
  const frame = nodes.get(id)?.callFrame
  if (frame === undefined) continue
  // Keep the file name only: node_modules/.pnpm/<pkg>/node_modules/<name>/... → <name>/...
  const where = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/packages\//, '')
  const name = `${frame.functionName || '(anonymous)'}  ${where}${where === '' ? '' : `:${frame.lineNumber + 1}`}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + us)
  const key = where === '' ? frame.functionName : where
  byFile.set(key, (byFile.get(key) ?? 0) + us)
  total += us
}

function show(title: string, m: Map<string, number>, n: number): void {
  console.log(`-- ${title}`)
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`)
  }
}

console.log(`${(total / 1000).toFixed(0)} ms sampled`)
show('self time by function', byFunction, top)
show('self time by file', byFile, 15)
