/**
 * The figures of Go's table (/work/shared/reference/go-benchmarks.md, "over loopback TCP, real
 * handshake, rate limiter off") measured here the same way: SecretConnection writes of 1, 16 and
 * 64 KiB, and MConnection messages of 100 B, 1 KiB, 16 KiB and 1 MiB on one channel through two
 * tcpTransports. Each figure is printed with its ratio to Go's.
 * Run: npx tsx packages/transport/bench/transport-vs-go.ts [--window=1000] [--runs=3] [--warmup=500] [--aead=<name>] [--only=<label text>]
 */
import { chosenAead, header, numberArg, ratio, selected } from './transport-common.js'
import { mconnLabel, mconnThroughput, row, secretLabel, secretThroughput, type Throughput } from './transport-measure.js'

const aead = chosenAead()
const o = { warmupMs: numberArg('warmup', 500), windowMs: numberArg('window', 1000), runs: numberArg('runs', 3) }

/** Go v0.34.35 on the same machine kind (go-benchmarks.md). */
const GO_SECRET_MBPS: ReadonlyArray<[number, number]> = [
  [1024, 241],
  [16_384, 249],
  [65_536, 317]
]
const GO_MCONN: ReadonlyArray<[number, 'msgs' | 'mb', number]> = [
  [100, 'msgs', 588_000],
  [1024, 'mb', 183],
  [16_384, 'mb', 242],
  [1 << 20, 'mb', 240]
]

console.log(header(aead))
console.log(`median of ${o.runs} windows of ${o.windowMs} ms after ${o.warmupMs} ms warm-up; rate limiter off; flush throttle 100 ms (Go default)\n`)

const secret: Throughput[] = []
for (const [size, go] of GO_SECRET_MBPS) {
  if (!selected(secretLabel(size))) continue
  const r = await secretThroughput(size, aead, o)
  secret.push(r)
  console.log(row(r, `  Go ${go} MB/s -> ${ratio(r.mbPerS, go)} of Go`))
}
const peak = Math.max(0, ...secret.map((r) => r.mbPerS))
console.log('')
for (const [size, unit, go] of GO_MCONN) {
  if (!selected(mconnLabel(size, 1))) continue
  const r = await mconnThroughput(size, 1, aead, o)
  const vsGo = unit === 'msgs' ? `Go ${go} msgs/s -> ${ratio(r.msgsPerS, go)} of Go` : `Go ${go} MB/s -> ${ratio(r.mbPerS, go)} of Go`
  console.log(row(r, `  ${vsGo}${peak === 0 ? '' : `; ${ratio(r.mbPerS, peak)} of SC peak`}`))
}
