/**
 * Does turning metrics on cost throughput? Metrics ON against OFF, like with like, interleaved in
 * one run:
 *
 *   node scripts/pnpm.mjs --filter @p2p/node run bench          # with the package's other benches
 *   cd packages/node && npx tsx bench/observability-metrics.bench.ts   # this one alone
 *   BENCH_ROUNDS=21 BENCH_CASES=256x40000,4096x5000 BENCH_PER_PEER=1 npx tsx bench/observability-metrics.bench.ts
 *
 * Each run builds two nodes the same way (TCP transport, full SecretConnection + MConnection,
 * rate limiter off as in Go's benchmarks, a switch, a sink reactor) in this process, connects
 * them, and times A sending `messages` messages of `size` bytes to B (`trySend`, else `send`
 * waiting for room) from the first send to the last message B's reactor receives. The only
 * difference between OFF and ON: ON gives both switches a prom-client `Metrics` with the
 * node's `P2PCollector`, and scrapes both registries every 500 ms while the data flows (what a
 * Prometheus server polling `/metrics` does). `BENCH_PER_PEER=1` adds a third variant with Go's
 * per-peer labels.
 *
 * Each round runs OFF and ON back to back, the order alternating between rounds, after a
 * garbage collection before every run, and after one untimed warm-up run of each variant. A
 * round's ON/OFF ratio compares two runs a second apart, so slow drift in the machine's load
 * cancels; the medians of those ratios, with their range, are the result. CPU per message is
 * this process's CPU (user + system, both ends) in the timed window divided by the messages: it
 * is much less disturbed by other processes than wall-clock throughput is. The 1-minute load
 * average is printed beside every round.
 */
import { cpus, loadavg } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateNodeKey } from '@p2p/config'
import { BaseReactor, p2pSwitch } from '@p2p/switch'
import { tcpTransport } from '@p2p/transport'
import type { ChannelDescriptor, Envelope, Metrics, NodeInfo, Peer } from '@p2p/types'
import { P2PCollector, promMetrics } from '../src/observability/index.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const CASES = (process.env.BENCH_CASES ?? '256x40000,4096x5000').split(',').map((c) => {
  const [size, messages] = c.split('x').map(Number) as [number, number]
  return { size, messages }
})
const PER_PEER = process.env.BENCH_PER_PEER === '1'
const CHANNEL = 0x70
const SCRAPE_MS = 500

class Sink extends BaseReactor {
  readonly name = 'sink'
  received = 0
  expected = 0
  done: () => void = () => {}
  channels(): ChannelDescriptor[] {
    return [{ id: CHANNEL, priority: 1, sendQueueCapacity: 1000, recvMessageCapacity: 1 << 20 }]
  }
  receive(_e: Envelope): void {
    if (++this.received === this.expected) this.done()
  }
}

type Variant = 'off' | 'on' | 'on-per-peer'
interface Sample {
  mbps: number
  cpuUs: number
  load: number
}

async function run(variant: Variant, size: number, messages: number, probe?: (peer: Peer) => void): Promise<Sample> {
  const made = [1, 2].map((n) => {
    const nodeKey = generateNodeKey()
    const info: NodeInfo = {
      protocolVersion: { p2p: 8n, block: 11n, app: 0n },
      id: nodeKey.id,
      listenAddr: `tcp://127.0.0.${n}:26656`,
      network: 'bench',
      version: '0.34.35',
      channels: Uint8Array.of(CHANNEL),
      moniker: `b${n}`,
      other: { txIndex: 'off', rpcAddress: '' }
    }
    const perPeer = variant === 'on-per-peer'
    const metrics = variant === 'off' ? undefined : promMetrics({ omitLabels: perPeer ? [] : ['peer_id'] })
    const transport = tcpTransport({ listen: `127.0.0.${n}:0`, allowDuplicateIp: true, mconnection: { sendRate: 0, recvRate: 0 } })({ nodeKey, nodeInfo: () => info })
    const sw = p2pSwitch({ allowDuplicateIp: true, perPeerMetricLabels: perPeer })({
      transport,
      nodeInfo: () => info,
      ...(metrics === undefined ? {} : { metrics: metrics as Metrics })
    })
    const sink = new Sink()
    sink.expected = messages
    sw.addReactor(sink)
    const collector = metrics === undefined ? undefined : new P2PCollector({ switch: sw, metrics, transport }, { perPeerLabels: perPeer })
    return { transport, sw, sink, metrics, collector }
  })
  const [a, b] = made as [(typeof made)[0], (typeof made)[0]]
  for (const n of made) {
    await n.transport.start()
    await n.sw.start()
    n.collector?.start()
  }
  const peer = await a.sw.dialPeer(b.transport.listenAddress())
  const msg = new Uint8Array(size).fill(7)
  const delivered = new Promise<void>((resolve) => {
    b.sink.done = resolve
  })
  gc()
  const load = loadavg()[0] ?? Number.NaN
  // ON only: a Prometheus scrape of both registries every 500 ms while the data flows
  const scrape =
    variant === 'off'
      ? undefined
      : setInterval(() => {
          for (const n of made) void n.metrics?.expose()
        }, SCRAPE_MS)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < messages; i++) {
    if (!peer.trySend(CHANNEL, msg)) await peer.send(CHANNEL, msg)
  }
  await delivered
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  if (scrape !== undefined) clearInterval(scrape)
  probe?.(peer)
  for (const n of made) {
    n.collector?.stop()
    await n.sw.stop()
    await n.transport.stop()
  }
  return { mbps: (messages * size) / 1e6 / (ms / 1000), cpuUs: (cpu.user + cpu.system) / messages, load }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((x, y) => x - y)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}
const range = (xs: readonly number[], digits: number, unit = ''): string =>
  `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}${unit}`
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`

/**
 * A distribution-free 95 % confidence interval for the median (order statistics: the k-th
 * smallest and k-th largest, with k the largest rank such that a Binomial(n, 1/2) falls below it
 * with probability ≤ 2.5 %). Needs 6 or more values; with fewer it is the whole range.
 */
function medianInterval(xs: readonly number[]): [number, number] {
  const s = [...xs].sort((x, y) => x - y)
  const n = s.length
  let k = 0
  let cdf = 0.5 ** n // P(X <= 0)
  let term = cdf
  for (let j = 1; cdf <= 0.025 && j < n; j++) {
    k = j
    term = (term * (n - j + 1)) / j
    cdf += term
  }
  // k: the number of values below the interval (0 when n is too small)
  return [s[Math.max(0, k - 1)] as number, s[n - Math.max(1, k)] as number]
}

/** Whether `xs` (ratios ON/OFF) show the target, from the interval of their median. */
function verdict(xs: readonly number[], ok: (x: number) => boolean, bad: (x: number) => boolean): string {
  const [lo, hi] = medianInterval(xs)
  const iv = `95 % interval of the median ${pct(lo)}–${pct(hi)}`
  if (ok(lo) && ok(hi)) return `shown (${iv})`
  if (bad(lo) && bad(hi)) return `NOT met (${iv})`
  return `not shown either way (${iv}: too noisy; more rounds or a quieter machine)`
}

const variants: Variant[] = PER_PEER ? ['off', 'on', 'on-per-peer'] : ['off', 'on']
const cpu = cpus()
console.log('# metrics ON vs OFF: send throughput and CPU per message (packages/node/bench/observability-metrics.bench.ts)')
console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, Node ${process.version}, ${new Date().toISOString()}`)
console.log(`load average at start (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}  (other processes share these cores: compare ratios, not MB/s)`)
console.log(`rounds: ${ROUNDS}; each round = ${variants.join(' + ')} back to back, order alternating; gc before each run; one warm-up run per variant`)
console.log('')

for (const { size, messages } of CASES) {
  for (const v of variants) await run(v, size, messages) // warm-up: JIT and first-use costs out of the timing
  const results = new Map<Variant, Sample[]>(variants.map((v) => [v, []]))
  console.log(`## ${messages} messages × ${size} B`)
  const short = (v: Variant): string => (v === 'on-per-peer' ? 'pp' : v)
  console.log(
    `round  order       ${variants.map((v) => `${short(v)} MB/s`.padStart(10)).join('')}  ${variants.map((v) => `${short(v)} µs/msg`.padStart(12)).join('')}  ${'on/off thr'.padStart(11)} ${'on/off CPU'.padStart(11)}  load`
  )
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse()
    const row = new Map<Variant, Sample>()
    for (const v of order) {
      const s = await run(v, size, messages)
      row.set(v, s)
      results.get(v)!.push(s)
    }
    const off = row.get('off')!
    const on = row.get('on')!
    console.log(
      `${String(r + 1).padStart(5)}  ${order.map(short).join(',').padEnd(10)}  ` +
        `${variants.map((v) => row.get(v)!.mbps.toFixed(1).padStart(10)).join('')}  ` +
        `${variants.map((v) => row.get(v)!.cpuUs.toFixed(2).padStart(12)).join('')}  ` +
        `${pct(on.mbps / off.mbps).padStart(11)} ${pct(on.cpuUs / off.cpuUs).padStart(11)}  ${Math.max(off.load, on.load).toFixed(2)}`
    )
  }
  const off = results.get('off')!
  const loads = variants.flatMap((v) => results.get(v)!.map((s) => s.load))
  console.log(`summary (${ROUNDS} rounds; load average during the case ${range(loads, 1)}):`)
  for (const v of variants) {
    const s = results.get(v)!
    const line = `  ${v.padEnd(12)} throughput median ${median(s.map((x) => x.mbps)).toFixed(1)} MB/s (${range(s.map((x) => x.mbps), 1)}), CPU median ${median(s.map((x) => x.cpuUs)).toFixed(2)} µs/msg (${range(s.map((x) => x.cpuUs), 2)})`
    if (v === 'off') {
      console.log(line)
      continue
    }
    const thr = s.map((x, i) => x.mbps / off[i]!.mbps)
    const c = s.map((x, i) => x.cpuUs / off[i]!.cpuUs)
    console.log(line)
    console.log(`  ${' '.repeat(12)} per-round ${v}/off: throughput median ${pct(median(thr))} (${range(thr.map((x) => x * 100), 1, ' %')}), CPU per message median ${pct(median(c))} (${range(c.map((x) => x * 100), 1, ' %')})`)
    if (v !== 'on') {
      console.log(`  ${' '.repeat(12)} (Go's per-peer labels: not the default, not what the 5 % target is about)`)
      continue
    }
    console.log(`  ${' '.repeat(12)} target "throughput with metrics ≥ 95 % of off": ${verdict(thr, (x) => x >= 0.95, (x) => x < 0.95)}`)
    console.log(`  ${' '.repeat(12)} same in CPU, "CPU per message with metrics ≤ 105 % of off": ${verdict(c, (x) => x <= 1.05, (x) => x > 1.05)}`)
  }
  console.log('')
}

// What the switch's pending-send gauge adds: one Peer.status() per peer per metrics tick (1 s),
// never per message. Timed on a live peer.
let statusNs = Number.NaN
await run('off', 256, 1000, (peer) => {
  const n = 100_000
  let sink = 0
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) sink += peer.status().channels.length
  statusNs = Number(process.hrtime.bigint() - t0) / n
  if (sink < 0) console.log(sink)
})
console.log(
  `switch pending-send gauge: Peer.status() costs ${statusNs.toFixed(0)} ns; once per peer per metrics tick (1 s): ` +
    `${((statusNs * 50) / 1000).toFixed(1)} µs a second with 50 peers, nothing per message`
)
console.log(`load average at end (1/5/15 min): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`)
