/**
 * Memory of idle connections: `--pairs` (default 250) dialers each dial one listener
 * (allowDuplicateIp), so the process holds 2 × pairs started PeerConnections (socket,
 * SecretConnection, MConnection on Go's ten v0.34 channels), all idle. Heap, external memory and
 * RSS are taken after a full GC with every transport started and no connection, with all
 * connections open, and after they are closed again; the growth is reported per connection.
 * Run: npx tsx packages/transport/bench/transport-memory.ts [--pairs=250] [--aead=<name>]
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { ChannelDescriptor, NodeID, PeerConnection } from '@p2p/types'
import type { Transport } from '@p2p/types'
import { chosenAead, header, numberArg, sleep, startTransport } from './transport-common.js'

const PAIRS = numberArg('pairs', 250)
const DIALS_AT_ONCE = 10
const aead = chosenAead()

/** The channels of a v0.34 node: pex, consensus ×4, mempool, evidence, blocksync, statesync ×2. */
const CHANNELS: ChannelDescriptor[] = [
  { id: 0x00, priority: 1, sendQueueCapacity: 10 },
  { id: 0x20, priority: 6, sendQueueCapacity: 100 },
  { id: 0x21, priority: 10, sendQueueCapacity: 100 },
  { id: 0x22, priority: 7, sendQueueCapacity: 100 },
  { id: 0x23, priority: 1, sendQueueCapacity: 2 },
  { id: 0x30, priority: 5 },
  { id: 0x38, priority: 6 },
  { id: 0x40, priority: 5, sendQueueCapacity: 1000 },
  { id: 0x60, priority: 5, sendQueueCapacity: 10 },
  { id: 0x61, priority: 3, sendQueueCapacity: 10 }
]
const IDS = CHANNELS.map((c) => c.id)

function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === 'function') return g
  // Not started with --expose-gc: turn the flag on now and fetch gc from a fresh context.
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}
const gc = getGc()

interface Snapshot {
  heapUsed: number
  external: number
  arrayBuffers: number
  rss: number
}

async function snapshot(): Promise<Snapshot> {
  for (let i = 0; i < 3; i++) {
    gc()
    await sleep(50)
  }
  const m = process.memoryUsage()
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss }
}

const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`
const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`

console.log(header(aead))
const start = await snapshot()
const listener = await startTransport(IDS, aead, { maxPendingInbound: 256 })
const dialers: Transport[] = []
for (let i = 0; i < PAIRS; i++) dialers.push(await startTransport(IDS, aead))
const waiting = new Map<NodeID, (c: PeerConnection) => void>()
let closedCount = 0
const handlers = { onReceive() {}, onClose: () => void closedCount++ }
const accepting = (async () => {
  for await (const c of listener.accept()) {
    c.start(CHANNELS, handlers)
    waiting.get(c.remoteInfo.id)?.(c)
  }
})()
const before = await snapshot()

const t0 = performance.now()
const conns: PeerConnection[] = []
for (let i = 0; i < PAIRS; i += DIALS_AT_ONCE) {
  await Promise.all(
    dialers.slice(i, i + DIALS_AT_ONCE).map(async (d) => {
      const accepted = new Promise<PeerConnection>((r) => waiting.set(d.listenAddress().id, r))
      const out = await d.dial(listener.listenAddress())
      out.start(CHANNELS, handlers)
      conns.push(out, await accepted)
    })
  )
}
const connectMs = performance.now() - t0
await sleep(1000)
const open = await snapshot()
const n = conns.length
const stillOpen = n - closedCount

await Promise.all(conns.map((c) => c.close()))
// Drop our references, so what remains after close is what the transports still hold.
conns.length = 0
waiting.clear()
await sleep(200)
const closed = await snapshot()
await Promise.all([listener.stop(), ...dialers.map((d) => d.stop())])
await accepting

console.log(`${PAIRS} pairs = ${n} started PeerConnections (${CHANNELS.length} channels each), connected in ${connectMs.toFixed(0)} ms, ${stillOpen} open after 1 s idle\n`)
console.log('measure        transports up, no conns   all conns open    after close      per connection (open - before)')
for (const key of ['heapUsed', 'external', 'arrayBuffers', 'rss'] as const) {
  const per = (open[key] - before[key]) / n
  console.log(
    `${key.padEnd(14)} ${mib(before[key]).padStart(12)} ${mib(open[key]).padStart(18)} ${mib(closed[key]).padStart(15)}      ${kib(per).padStart(10)}`
  )
}
console.log(`\n(process before any transport: heapUsed ${mib(start.heapUsed)}, rss ${mib(start.rss)}; ${PAIRS + 1} transports add ${kib((before.heapUsed - start.heapUsed) / (PAIRS + 1))} heap each)`)
