/**
 * What a small typed array costs once it leaves V8's heap (BENCHMARKS-transport.md §6, "Round 6"):
 * CPU per call, over `--calls` calls, of filling a fresh 32-byte array through libsodium
 * (sodium-native) against filling one that already lives outside the heap and copying it into a
 * fresh array; `subarray` against `slice` of a fresh 16-byte array; and an ArrayBuffer of its own.
 * Each case runs twice; the second (warm) pass is printed.
 *
 * Run: npx tsx packages/transport/bench/small-array-costs.ts [--calls=300000]
 */
import { createRequire } from 'node:module'
import { numberArg } from './transport-common.js'

const sodium = createRequire(import.meta.url)('sodium-native') as { randombytes_buf(b: Uint8Array): void }
const CALLS = numberArg('calls', 300_000)
const outside = new Uint8Array(new ArrayBuffer(32))

const cases: Array<[string, () => number]> = [
  ['fresh 32-byte array filled by libsodium', () => {
    const a = new Uint8Array(32)
    sodium.randombytes_buf(a)
    return a[0] as number
  }],
  ['array outside the heap filled by libsodium, copied into a fresh one', () => {
    sodium.randombytes_buf(outside)
    const a = new Uint8Array(32)
    a.set(outside)
    return a[0] as number
  }],
  ['subarray of a fresh 16-byte array', () => new Uint8Array(16).subarray(12, 16).length],
  ['slice of a fresh 16-byte array', () => new Uint8Array(16).slice(12, 16).length],
  ['fresh 100-byte array (an ArrayBuffer of its own)', () => new Uint8Array(100).length],
  ['fresh 32-byte array (on the heap)', () => new Uint8Array(32).length]
]

let sink = 0
for (let pass = 0; pass < 2; pass++) {
  for (const [name, f] of cases) {
    const t0 = process.cpuUsage()
    for (let i = 0; i < CALLS; i++) sink += f()
    const t = process.cpuUsage(t0)
    if (pass === 1) console.log(`${(((t.user + t.system) / CALLS) * 1000).toFixed(0).padStart(6)} ns  ${name}`)
  }
}
// Keeps the results alive, so that no case is optimized away.
if (sink === -1) console.log(sink)
