/**
 * Broadcast of 1 KiB messages to 50 peers over loopback TCP (all in this process, so the
 * receivers' decryption shares the CPU), and what metrics cost. Three hubs are connected to the
 * same 50 receivers: metrics off, metrics on (batched, labels by channel) and metrics on with
 * per-peer labels. Each round runs one hub's `broadcast` loop (4 in flight) for `--ms`, then
 * waits until every queued message arrived: deliveries / elapsed time. Rounds alternate
 * off / on / per-peer; medians are reported. Same-run baseline: one MConnection (transport
 * `PeerConnection`) sending 1 KiB messages to one peer the same way.
 * Run: npx tsx packages/switch/bench/switch-broadcast.ts [--peers=50] [--ms=1500] [--rounds=3]
 */
import type { ChannelDescriptor, PeerConnection } from '@p2p/types'
import { tcpTransport } from '@p2p/transport'
import { type BenchNode, CheapMetrics, DATA_CHANNEL, header, identity, median, numberArg, pool, SinkReactor, startNode, stopNodes, until } from './common.js'

const PEERS = numberArg('peers', 50)
const WINDOW_MS = numberArg('ms', 1500)
const ROUNDS = numberArg('rounds', 3)
const IN_FLIGHT = 4
const SIZE = 1024
const CH: ChannelDescriptor = { id: DATA_CHANNEL, priority: 1, sendQueueCapacity: 100, recvMessageCapacity: 64 * 1024 }
const message = new Uint8Array(SIZE).fill(7)

const sinks: SinkReactor[] = []
const receivers: BenchNode[] = []
for (let i = 0; i < PEERS; i++) {
  const sink = new SinkReactor([CH])
  sinks.push(sink)
  receivers.push(await startNode([sink], { maxInboundPeers: 10 }))
}
const delivered = (): number => sinks.reduce((n, s) => n + s.messages, 0)

const hubs = {
  off: await startNode([new SinkReactor([CH])], { maxOutboundPeers: PEERS }),
  on: await startNode([new SinkReactor([CH])], { maxOutboundPeers: PEERS }, new CheapMetrics()),
  'per-peer': await startNode([new SinkReactor([CH])], { maxOutboundPeers: PEERS, perPeerMetricLabels: true }, new CheapMetrics())
}
for (const hub of Object.values(hubs)) await pool(receivers, 8, (r) => hub.sw.dialPeer(r.transport.listenAddress()))
await until(() => receivers.every((r) => r.sw.peers().size === 3), 'receivers connected')

interface Rate {
  perSec: number
  /** Process CPU (user + system) per delivered message, µs: steadier than wall time under load. */
  cpuUs: number
}

async function broadcastRound(hub: BenchNode): Promise<Rate> {
  const before = delivered()
  let queued = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const end = t0 + WINDOW_MS
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) {
        const out = await hub.sw.broadcast(DATA_CHANNEL, message)
        for (const o of out) if (o.queued) queued++
      }
    })
  )
  await until(() => delivered() - before >= queued, 'deliveries')
  return rate(queued, t0, cpu0)
}

function rate(n: number, t0: number, cpu0: NodeJS.CpuUsage): Rate {
  const cpu = process.cpuUsage(cpu0)
  return { perSec: (n * 1000) / (performance.now() - t0), cpuUs: (cpu.user + cpu.system) / n }
}

async function mconnRound(out: PeerConnection, count: () => number): Promise<Rate> {
  const before = count()
  let queued = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const end = t0 + WINDOW_MS
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) if (await out.send(DATA_CHANNEL, message)) queued++
    })
  )
  await until(() => count() - before >= queued, 'deliveries')
  return rate(queued, t0, cpu0)
}

// The baseline pair: two transports, one connection, no switch.
const ids = [identity([DATA_CHANNEL]), identity([DATA_CHANNEL])]
const [ta, tb] = await Promise.all(
  ids.map(async (id) => {
    const t = tcpTransport({ listen: '127.0.0.1:0', allowDuplicateIp: true, mconnection: { sendRate: 0, recvRate: 0 } })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo })
    await t.start()
    return t
  })
)
if (ta === undefined || tb === undefined) throw new Error('no transports')
const accepted = (async () => {
  for await (const c of tb.accept()) return c
  throw new Error('no connection')
})()
const out = await ta.dial(tb.listenAddress())
const inb = await accepted
let got = 0
out.start([CH], { onReceive() {}, onClose() {} })
inb.start([CH], { onReceive: () => void got++, onClose() {} })

header(`switch: broadcast of ${SIZE} B messages to ${PEERS} peers (loopback TCP, one process, ${IN_FLIGHT} broadcasts in flight)`)
const rates: Record<string, Rate[]> = { mconn: [], off: [], on: [], 'per-peer': [] }
for (let r = 0; r < ROUNDS; r++) {
  rates.mconn?.push(await mconnRound(out, () => got))
  for (const [name, hub] of Object.entries(hubs)) rates[name]?.push(await broadcastRound(hub))
}
const perSec = (name: string): number => median((rates[name] ?? []).map((x) => x.perSec))
const cpuUs = (name: string): number => median((rates[name] ?? []).map((x) => x.cpuUs))
const row = (name: string, label: string): void => {
  const xs = rates[name] ?? []
  const m = perSec(name)
  console.log(
    `${label.padEnd(38)} ${(m / 1000).toFixed(1).padStart(7)} k msgs/s  ${((m * SIZE) / 1e6).toFixed(1).padStart(6)} MB/s  ${cpuUs(name).toFixed(2).padStart(6)} µs CPU/msg   runs ${xs.map((x) => (x.perSec / 1000).toFixed(1)).join(', ')} k`
  )
}
row('mconn', 'baseline: one MConnection, one peer')
row('off', `broadcast to ${PEERS}, metrics off`)
row('on', `broadcast to ${PEERS}, metrics on`)
row('per-peer', `broadcast to ${PEERS}, per-peer labels`)
console.log(`broadcast / one-peer MConnection: ${((perSec('off') / perSec('mconn')) * 100).toFixed(0)} % (msgs/s), CPU per message ${(cpuUs('off') / cpuUs('mconn')).toFixed(2)}×`)
const pct = (name: string): string => (((cpuUs(name) - cpuUs('off')) / cpuUs('off')) * 100).toFixed(1)
console.log(`CPU per message vs metrics off: metrics on ${pct('on')} %, per-peer labels ${pct('per-peer')} %`)

// The hot-path cost alone, without the network's noise: what a send and a receive add.
const { SwitchMetrics } = await import('../src/metrics.js')
const m = new SwitchMetrics(new CheapMetrics(), false)
const id = ids[0]?.nodeInfo.id ?? ('' as never)
const N = 5_000_000
const h0 = performance.now()
for (let i = 0; i < N; i++) {
  m.sent(id, DATA_CHANNEL, SIZE)
  m.received(id, DATA_CHANNEL, SIZE)
}
m.flush()
const nsPerMsg = ((performance.now() - h0) * 1e6) / N
console.log(`metrics hot path (one send + one receive tally): ${nsPerMsg.toFixed(1)} ns = ${((nsPerMsg / 1000 / cpuUs('off')) * 100).toFixed(2)} % of a broadcast message's CPU`)

await out.close()
await inb.close()
await ta.stop()
await tb.stop()
await stopNodes([...Object.values(hubs), ...receivers])
