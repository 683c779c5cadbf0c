/**
 * MConnection throughput over encrypted loopback TCP (two tcpTransports in one process, the real
 * upgrade: SecretConnection + NodeInfo + MConnection), 256 B, 4 KiB and 64 KiB messages on 1 and
 * 4 channels, rate limiter off; next to the raw SecretConnection measured in the same run, so
 * the cost of the MConnection layer is a ratio.
 * Run: npx tsx packages/transport/bench/transport-throughput.ts [--window=1000] [--runs=3] [--aead=<name>]
 */
import { chosenAead, header, numberArg } from './transport-common.js'
import { mconnThroughput, row, secretThroughput, type Throughput } from './transport-measure.js'

const aead = chosenAead()
const o = { warmupMs: numberArg('warmup', 500), windowMs: numberArg('window', 1000), runs: numberArg('runs', 3) }
const SIZES = [256, 4096, 65_536]

console.log(header(aead))
console.log(`median of ${o.runs} windows of ${o.windowMs} ms after ${o.warmupMs} ms warm-up; rate limiter off; flush throttle 100 ms (Go default)\n`)

const secret = new Map<number, Throughput>()
for (const size of [...SIZES]) {
  const r = await secretThroughput(size, aead, o)
  secret.set(size, r)
  console.log(row(r))
}
const peak = Math.max(...[...secret.values()].map((r) => r.mbPerS))
console.log('')
for (const size of SIZES) {
  for (const channels of [1, 4]) {
    const r = await mconnThroughput(size, channels, aead, o)
    const same = secret.get(size) as Throughput
    const vsSame = `${((r.mbPerS / same.mbPerS) * 100).toFixed(0)}%`
    const vsPeak = `${((r.mbPerS / peak) * 100).toFixed(0)}%`
    console.log(row(r, `  ${vsSame} of SC same-size writes, ${vsPeak} of SC peak`))
  }
}
