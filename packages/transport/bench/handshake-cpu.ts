/**
 * CPU per connection set-up, both sides in this process (so scheduling delays on a loaded
 * machine do not count, only work): `--kind=secret` runs `secretHandshake` on both ends of a
 * loopback socket; `--kind=transport` (default) dials a `tcpTransport` from another one, starts
 * both PeerConnections and closes them. Pairs run `--parallel` (8) at a time; the figure is
 * `process.cpuUsage()` (user + system, all threads) per pair, median of `--runs` windows, with
 * event-loop turns and GC time per pair.
 * `--profile=<prefix>` also writes a CPU profile and a sampling heap profile (collected objects
 * included) of the measured windows to `<prefix>.cpuprofile` / `<prefix>.heapprofile`, for
 * `handshake-profile.ts <prefix> <pairs × runs>` (both sides of each pair are in them).
 * Run: npx tsx packages/transport/bench/handshake-cpu.ts [--kind=transport|secret] [--pairs=1000] [--runs=5] [--parallel=8] [--profile=<prefix>]
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { PerformanceObserver } from 'node:perf_hooks'
import type { PeerConnection, Transport } from '@p2p/types'
import { secretHandshake } from '../src/index.js'
import { chosenAead, header, identity, median, numberArg, socketPair, startTransport } from './transport-common.js'

process.setSourceMapsEnabled(false)
const kind = process.argv.find((a) => a.startsWith('--kind='))?.slice(7) ?? 'transport'
const PAIRS = numberArg('pairs', 1000)
const RUNS = numberArg('runs', 5)
const PARALLEL = numberArg('parallel', 8)
const aead = chosenAead()
const CH = [{ id: 0x77, priority: 5 }]
const noop = { onReceive() {}, onClose() {} }

let gcMs = 0
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) gcMs += e.duration
}).observe({ entryTypes: ['gc'] })

const keys = Array.from({ length: 16 }, () => identity([]).nodeKey)
let listener: Transport | undefined
let dialers: Transport[] = []
if (kind === 'transport') {
  listener = await startTransport([0x77], aead, { maxPendingInbound: 1024, maxPendingPerIp: 1024 })
  dialers = await Promise.all(Array.from({ length: PARALLEL }, () => startTransport([0x77], aead)))
  void (async () => {
    for await (const c of (listener as Transport).accept()) c.start(CH, { onReceive() {}, onClose() {} })
  })()
}

async function onePair(i: number): Promise<void> {
  if (kind === 'secret') {
    const { client, server, close } = await socketPair()
    const [a, b] = await Promise.all([
      secretHandshake(client, keys[i % 16]!, { aead }),
      secretHandshake(server, keys[(i + 1) % 16]!, { aead })
    ])
    a.close()
    b.close()
    await close()
    return
  }
  const t = dialers[i % dialers.length] as Transport
  const c: PeerConnection = await t.dial((listener as Transport).listenAddress())
  c.start(CH, noop)
  await c.close()
}

async function window(n: number): Promise<{ cpu: number; loops: number; gc: number; wall: number }> {
  const c0 = process.cpuUsage()
  const l0 = performance.nodeTiming.uvMetricsInfo.loopCount
  const g0 = gcMs
  const t0 = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: PARALLEL }, async (_, w) => {
      while (next < n) {
        next++
        await onePair(w)
      }
    })
  )
  const c = process.cpuUsage(c0)
  return { cpu: (c.user + c.system) / n, loops: (performance.nodeTiming.uvMetricsInfo.loopCount - l0) / n, gc: ((gcMs - g0) * 1000) / n, wall: ((performance.now() - t0) * 1000) / n }
}

const profile = process.argv.find((a) => a.startsWith('--profile='))?.slice(10)
const session = new Session()
const post = (method: string, params?: object): Promise<unknown> =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err === null ? resolve(res) : reject(err))))

console.log(header(aead))
await window(PAIRS) // warm-up
if (profile !== undefined) {
  session.connect()
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 100 })
  await post('HeapProfiler.enable')
  await post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
  await post('Profiler.start')
}
const rs = []
for (let r = 0; r < RUNS; r++) rs.push(await window(PAIRS))
if (profile !== undefined) {
  const { profile: cpu } = (await post('Profiler.stop')) as { profile: unknown }
  const heap = (await post('HeapProfiler.stopSampling')) as { profile: unknown }
  writeFileSync(`${profile}.cpuprofile`, JSON.stringify(cpu))
  writeFileSync(`${profile}.heapprofile`, JSON.stringify(heap.profile))
  session.disconnect()
}
const f = (xs: number[]): string => `${median(xs).toFixed(0)} [${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}]`
console.log(`${kind}, ${PARALLEL} at once, ${RUNS} x ${PAIRS} pairs: CPU µs/pair ${f(rs.map((r) => r.cpu))}; wall µs/pair ${f(rs.map((r) => r.wall))}; loop turns/pair ${f(rs.map((r) => r.loops))}; GC µs/pair ${f(rs.map((r) => r.gc))}`)
await Promise.all([listener?.stop(), ...dialers.map((t) => t.stop())])
