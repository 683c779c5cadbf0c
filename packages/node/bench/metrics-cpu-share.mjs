#!/usr/bin/env node
// The share of busy CPU spent in metrics code, read from V8 CPU profiles: an in-situ bound on
// what turning metrics on can cost, steadier than the wall-clock ON/OFF ratio on a machine
// whose runs swing by ±20 % (see docs/benchmarks.md, "Observability").
//
//   cd packages/node
//   BENCH_ROUNDS=5 BENCH_CASES=256x200000,4096x25000 node --cpu-prof --cpu-prof-dir=/tmp/obsprof \
//     --cpu-prof-interval 200 --import tsx bench/observability-metrics.bench.ts
//   node bench/metrics-cpu-share.mjs /tmp/obsprof
//
// Self time is attributed by script URL: prom-client, the node's observability sources and the
// switch's metrics module count as metrics; idle time is left out. The benchmark runs OFF and ON
// equally, so the share within the ON runs is about twice the share of the whole profile. V8
// may inline a small metrics function into its caller, whose self time then hides it: the
// hot-path figure of the switch (ns per message, docs/benchmarks.md "Switch") bounds that part.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
if (dir === undefined) {
  console.error('usage: node bench/metrics-cpu-share.mjs <cpu-profile dir>')
  process.exit(2)
}
const METRICS = [/node_modules\/prom-client\//, /packages\/node\/(src|dist)\/observability\//, /packages\/switch\/(src|dist)\/metrics\./]

for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  const selfUs = new Map()
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  let busy = 0
  let metrics = 0
  const byUrl = new Map()
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0
    if (node.callFrame.functionName === '(idle)') continue
    busy += us
    const url = node.callFrame.url
    if (METRICS.some((re) => re.test(url))) {
      metrics += us
      const short = url.replace(/^.*\/(node_modules|packages)\//, '$1/')
      byUrl.set(short, (byUrl.get(short) ?? 0) + us)
    }
  }
  if (busy === 0) continue
  const pct = (us) => `${((100 * us) / busy).toFixed(3)} %`
  console.log(`${file}: busy ${(busy / 1000).toFixed(0)} ms, metrics code ${pct(metrics)} of it (≈ ${pct(2 * metrics)} of the ON runs)`)
  for (const [url, us] of [...byUrl].sort((a, b) => b[1] - a[1]).filter(([, us]) => us >= busy / 1e5)) console.log(`  ${pct(us).padStart(9)}  ${url}`)
}
