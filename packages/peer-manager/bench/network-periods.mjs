#!/usr/bin/env node
// Runs the 20-node network test (packages/node/test/peer-manager-network.spec.ts: it composes
// every layer, so it lives with the node) several times, alternating our strategy
// with the baseline (Go's 3 × wanted picks only, PM_GO_PICKS=1), and prints the periods each
// phase took: median and range. Usage: node bench/network-periods.mjs [runs per variant, default 5]
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const runs = Number(process.argv[2] ?? 5)
const results = { ours: {}, go: {} }
for (let i = 0; i < runs; i++) {
  for (const variant of ['ours', 'go']) {
    const out = spawnSync('npx', ['vitest', 'run', 'packages/node/test/peer-manager-network.spec.ts'], {
      cwd: root,
      env: { ...process.env, PM_GO_PICKS: variant === 'go' ? '1' : '0' },
      encoding: 'utf8'
    })
    const text = `${out.stdout}${out.stderr}`
    const add = (key, value) => {
      const list = results[variant][key] ?? []
      list.push(value)
      results[variant][key] = list
    }
    for (const m of text.matchAll(/\[peer-manager network[^\]]*\] ([^:]+): ([\d.]+) periods/g)) add(m[1], Number(m[2]))
    if (out.status !== 0) add('failed', 1)
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
for (const [variant, phases] of Object.entries(results)) {
  for (const [phase, xs] of Object.entries(phases)) {
    if (phase === 'failed') console.log(`${variant}: ${xs.length} failed runs`)
    else console.log(`${variant} | ${phase} | median ${median(xs).toFixed(1)} periods | range ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)} | n=${xs.length}`)
  }
}
