/**
 * MConnection throughput over encrypted loopback TCP (two tcpTransports in one process, the real
 * upgrade: SecretConnection + NodeInfo + MConnection), 256 B, 4 KiB and 64 KiB messages on 1 and
 * 4 channels, rate limiter off; next to the raw SecretConnection measured in the same run, so
 * the cost of the MConnection layer is a ratio.
 * Run: npx tsx packages/transport/bench/transport-throughput.ts [--window=1000] [--runs=3] [--warmup=500] [--aead=<name>] [--only=<label text>]
 */
import { chosenAead, header, numberArg, ratio, selected } from './transport-common.js'
import { mconnLabel, mconnThroughput, row, secretLabel, secretThroughput, type Throughput } from './transport-measure.js'

const aead = chosenAead()
const o = { warmupMs: numberArg('warmup', 500), windowMs: numberArg('window', 1000), runs: numberArg('runs', 3) }
const SIZES = [256, 4096, 65_536]

console.log(header(aead))
console.log(`median of ${o.runs} windows of ${o.windowMs} ms after ${o.warmupMs} ms warm-up; rate limiter off; flush throttle 100 ms (Go default)\n`)

const secret = new Map<number, Throughput>()
for (const size of SIZES) {
  if (!selected(secretLabel(size))) continue
  const r = await secretThroughput(size, aead, o)
  secret.set(size, r)
  console.log(row(r))
}
// The MConnection hands the SecretConnection batches of up to 64 KiB, so its ceiling is the
// SecretConnection's best rate (large writes), not the rate at the message size.
const peak = Math.max(0, ...[...secret.values()].map((r) => r.mbPerS))
console.log('')
for (const size of SIZES) {
  for (const channels of [1, 4]) {
    if (!selected(mconnLabel(size, channels))) continue
    const r = await mconnThroughput(size, channels, aead, o)
    const same = secret.get(size)
    const vsSame = same === undefined ? '' : `  ${ratio(r.mbPerS, same.mbPerS)} of SC same-size writes`
    const vsPeak = peak === 0 ? '' : `, ${ratio(r.mbPerS, peak)} of SC peak`
    console.log(row(r, vsSame + vsPeak))
  }
}
