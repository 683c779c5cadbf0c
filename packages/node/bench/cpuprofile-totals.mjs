#!/usr/bin/env node
// Total (inclusive) time of the functions whose name or script matches a pattern, as a share of
// the busy time of a V8 CPU profile (idle left out): how docs/benchmarks.md ("Seed with a real
// PEX exchange") puts a share on stack traces, the peer filter's deadline and the peers'
// AbortControllers. A function counts once per sample however often it recurs on the stack.
//
//   node packages/node/bench/cpuprofile-totals.mjs <file.cpuprofile> [pattern] [rows=40]
import { readFileSync } from 'node:fs'

const [file, pattern = '.', rowsArg = '40'] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: cpuprofile-totals.mjs <file.cpuprofile> [pattern] [rows]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8'))
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const name = (n) => {
  const f = n.callFrame
  return `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(packages|node_modules)\//, '')}:${f.lineNumber + 1}`
}
const timeByNode = new Map()
let idle = 0
let total = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  total += dt
  if (nodes.get(id)?.callFrame.functionName === '(idle)') idle += dt
  else timeByNode.set(id, (timeByNode.get(id) ?? 0) + dt)
})
const busy = total - idle
const totals = new Map()
for (const [id, dt] of timeByNode) {
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const key = name(nodes.get(cur))
    if (seen.has(key)) continue
    seen.add(key)
    totals.set(key, (totals.get(key) ?? 0) + dt)
  }
}
const re = new RegExp(pattern)
console.log(`busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s sampled`)
for (const [key, t] of [...totals].filter(([k]) => re.test(k)).sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg))) {
  console.log(`${((100 * t) / busy).toFixed(1).padStart(5)} %  ${key}`)
}
