/**
 * Send throughput through a switch with the prom-client `Metrics` (and the collector, and a
 * scrape every 500 ms) against no metrics at all, in one run, interleaved:
 *
 *   node scripts/pnpm.mjs --filter @p2p/node run bench
 *   BENCH_ROUNDS=7 BENCH_MESSAGES=100000 BENCH_SIZE=256 tsx packages/node/bench/observability-metrics.bench.ts
 *
 * Two switches over loopback TCP (full SecretConnection + MConnection); A sends BENCH_MESSAGES
 * messages of BENCH_SIZE bytes to B (`trySend`, else `send` waiting for queue room), rate limiter
 * off as in Go's benchmarks; the time runs from the first send to the last message B receives.
 */
import { generateNodeKey } from '@p2p/config'
import { BaseReactor, p2pSwitch } from '@p2p/switch'
import { tcpTransport } from '@p2p/transport'
import type { ChannelDescriptor, Envelope, Metrics, NodeInfo } from '@p2p/types'
import { P2PCollector, promMetrics } from '../src/observability/index.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000)
const SIZE = Number(process.env.BENCH_SIZE ?? 256)
const CHANNEL = 0x70

class Sink extends BaseReactor {
  readonly name = 'sink'
  received = 0
  done: () => void = () => {}
  channels(): ChannelDescriptor[] {
    return [{ id: CHANNEL, priority: 1, sendQueueCapacity: 1000, recvMessageCapacity: 1 << 20 }]
  }
  receive(_e: Envelope): void {
    if (++this.received === MESSAGES) this.done()
  }
}

type Variant = 'none' | 'prom' | 'prom-per-peer'

async function run(variant: Variant): Promise<{ mbps: number; cpuUs: number }> {
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
    const perPeer = variant === 'prom-per-peer'
    const metrics = variant === 'none' ? undefined : promMetrics({ omitLabels: perPeer ? [] : ['peer_id'] })
    const transport = tcpTransport({ listen: `127.0.0.${n}:0`, allowDuplicateIp: true, mconnection: { sendRate: 0, recvRate: 0 } })({ nodeKey, nodeInfo: () => info })
    const sw = p2pSwitch({ allowDuplicateIp: true, perPeerMetricLabels: perPeer })({
      transport,
      nodeInfo: () => info,
      ...(metrics === undefined ? {} : { metrics: metrics as Metrics })
    })
    const sink = new Sink()
    sw.addReactor(sink)
    const collector = metrics === undefined ? undefined : new P2PCollector({ switch: sw, metrics }, { perPeerLabels: perPeer })
    return { transport, sw, sink, metrics, collector }
  })
  const [a, b] = made as [(typeof made)[0], (typeof made)[0]]
  for (const n of made) {
    await n.transport.start()
    await n.sw.start()
    n.collector?.start()
  }
  const peer = await a.sw.dialPeer(b.transport.listenAddress())
  const msg = new Uint8Array(SIZE).fill(7)
  const delivered = new Promise<void>((resolve) => {
    b.sink.done = resolve
  })
  // a Prometheus scrape every 500 ms on both nodes while the data flows
  const scrape = setInterval(() => {
    for (const n of made) void n.metrics?.expose()
  }, 500)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < MESSAGES; i++) {
    if (!peer.trySend(CHANNEL, msg)) await peer.send(CHANNEL, msg)
  }
  await delivered
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  clearInterval(scrape)
  for (const n of made) {
    n.collector?.stop()
    await n.sw.stop()
    await n.transport.stop()
  }
  // both ends run in this process: CPU per message covers sending and receiving
  return { mbps: (MESSAGES * SIZE) / 1e6 / (ms / 1000), cpuUs: (cpu.user + cpu.system) / MESSAGES }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}

const variants: Variant[] = ['none', 'prom', 'prom-per-peer']
const results = new Map<Variant, Array<{ mbps: number; cpuUs: number }>>(variants.map((v) => [v, []]))
await run('none') // warm-up
for (let r = 0; r < ROUNDS; r++) {
  // rotate the order each round so drift on a shared machine hits every variant alike
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(r + k) % variants.length] as Variant
    results.get(v)!.push(await run(v))
  }
}
const base = median(results.get('none')!.map((r) => r.mbps))
const baseCpu = median(results.get('none')!.map((r) => r.cpuUs))
console.log(`send throughput, ${MESSAGES} × ${SIZE} B, ${ROUNDS} rounds (medians, ranges):`)
for (const v of variants) {
  const xs = results.get(v)!.map((r) => r.mbps)
  const cs = results.get(v)!.map((r) => r.cpuUs)
  const m = median(xs)
  const c = median(cs)
  console.log(
    `  ${v.padEnd(14)} ${m.toFixed(1).padStart(7)} MB/s (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}) ${((m / base) * 100).toFixed(1).padStart(6)} % of none | ` +
      `CPU ${c.toFixed(2)} µs/msg (${Math.min(...cs).toFixed(2)}–${Math.max(...cs).toFixed(2)}) ${((c / baseCpu) * 100).toFixed(1)} % of none`
  )
}
// Each round ran the three variants back to back: the median of the per-round ratios cancels the
// slow drift of a shared machine better than a ratio of medians.
const none = results.get('none')!
for (const v of variants.slice(1)) {
  const rs = results.get(v)!
  const thr = median(rs.map((r, i) => r.mbps / none[i]!.mbps))
  const cpu = median(rs.map((r, i) => r.cpuUs / none[i]!.cpuUs))
  console.log(`  ${v}: per-round ratio to none, median: throughput ${(thr * 100).toFixed(1)} %, CPU per message ${(cpu * 100).toFixed(1)} %`)
}
