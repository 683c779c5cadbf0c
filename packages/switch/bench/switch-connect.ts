/**
 * Time to connect 100 peers over loopback TCP: one hub dials 100 started nodes (8 dials at a
 * time, as the transport benchmark's dialers) and waits until both sides hold every peer.
 * Same-run baseline: the transport alone (dial + accept + start both connections, no switch)
 * to 100 plain transports. Rounds alternate; the median is reported.
 * Run: npx tsx packages/switch/bench/switch-connect.ts [--peers=100] [--rounds=3]
 */
import type { PeerConnection, Transport } from '@p2p/types'
import { type BenchNode, DATA_CHANNEL, header, identity, median, numberArg, PingReactor, pool, SinkReactor, startNode, stopNodes, until } from './common.js'
import { tcpTransport } from '@p2p/transport'

const PEERS = numberArg('peers', 100)
const ROUNDS = numberArg('rounds', 3)
const AT_ONCE = 8
const reactors = () => [new PingReactor(), new SinkReactor([{ id: DATA_CHANNEL, priority: 1 }])]
const CHANNELS = [{ id: 0x7e, priority: 1 }, { id: DATA_CHANNEL, priority: 1 }]

async function plainTransport(): Promise<Transport> {
  const id = identity(CHANNELS.map((c) => c.id))
  const t = tcpTransport({ listen: '127.0.0.1:0', allowDuplicateIp: true, maxPendingInbound: 256, mconnection: { sendRate: 0, recvRate: 0 } })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo })
  await t.start()
  return t
}

async function switchRound(): Promise<number> {
  const hub = await startNode(reactors(), { maxOutboundPeers: PEERS + 10 })
  const targets: BenchNode[] = []
  for (let i = 0; i < PEERS; i++) targets.push(await startNode(reactors()))
  const t0 = performance.now()
  await pool(targets, AT_ONCE, (t) => hub.sw.dialPeer(t.transport.listenAddress()))
  await until(() => targets.every((t) => t.sw.peers().size === 1), 'inbound peers')
  const ms = performance.now() - t0
  await stopNodes([hub, ...targets])
  return ms
}

async function transportRound(): Promise<number> {
  const hub = await plainTransport()
  const targets: Transport[] = []
  for (let i = 0; i < PEERS; i++) targets.push(await plainTransport())
  const conns: PeerConnection[] = []
  let accepted = 0
  const handlers = { onReceive() {}, onClose() {} }
  const loops = targets.map(async (t) => {
    for await (const c of t.accept()) {
      c.start(CHANNELS, handlers)
      conns.push(c)
      accepted++
    }
  })
  const t0 = performance.now()
  await pool(targets, AT_ONCE, async (t) => {
    const c = await hub.dial(t.listenAddress())
    c.start(CHANNELS, handlers)
    conns.push(c)
  })
  await until(() => accepted === PEERS, 'accepted')
  const ms = performance.now() - t0
  await Promise.all(conns.map((c) => c.close()))
  await Promise.all([hub, ...targets].map((t) => t.stop()))
  await Promise.all(loops)
  return ms
}

header(`switch: connect ${PEERS} peers on loopback TCP (${AT_ONCE} dials at a time)`)
const sw: number[] = []
const tr: number[] = []
for (let r = 0; r < ROUNDS; r++) {
  tr.push(await transportRound())
  sw.push(await switchRound())
}
const fmt = (ms: number): string => `${ms.toFixed(0)} ms (${((ms * 1000) / PEERS).toFixed(0)} µs per peer, ${((PEERS * 1000) / ms).toFixed(0)} peers/s)`
console.log(`switch dialPeer × ${PEERS}:        median ${fmt(median(sw))}; runs ${sw.map((x) => x.toFixed(0)).join(', ')} ms`)
console.log(`baseline transport dial × ${PEERS}: median ${fmt(median(tr))}; runs ${tr.map((x) => x.toFixed(0)).join(', ')} ms`)
console.log(`switch overhead: ${(((median(sw) - median(tr)) * 1000) / PEERS).toFixed(0)} µs per peer (${((median(sw) / median(tr) - 1) * 100).toFixed(1)} %)`)
