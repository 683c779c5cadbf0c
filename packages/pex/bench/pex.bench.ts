/**
 * PEX benchmarks. Run: `node scripts/pnpm.mjs --filter @p2p/pex run bench`
 * (or `npx tsx packages/pex/bench/pex.bench.ts`).
 *
 * 1. Codec: a 250-address `PexAddrs` (Go's largest answer), our hand-written codec against
 *    protobufjs (reflection + runtime codegen, its fastest mode without a build step), same run.
 * 2. Request → answer with a full book (≈ 20,000 addresses): in process (receive → answer queued:
 *    selection + encode), and over loopback TCP between two real nodes (SecretConnection,
 *    MConnection, switch), with a raw channel round trip of the same size as the baseline.
 */
import { addrBook, type BucketedAddrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { p2pSwitch } from '@p2p/switch'
import { tcpTransport } from '@p2p/transport'
import type { ChannelDescriptor, Envelope, NetAddress, NodeID, NodeInfo, Peer, Reactor, Switch, SwitchFacade, Transport } from '@p2p/types'
import protobuf from 'protobufjs'
import { decodePexMessage, encodePexAddrs, encodePexRequest, netAddressesFromProto, pex } from '../src/index.js'

function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = rng(7)

function addresses(n: number): NetAddress[] {
  const out: NetAddress[] = []
  const byte = (): number => Math.floor(random() * 256)
  while (out.length < n) {
    const a = 1 + Math.floor(random() * 223)
    if (a === 10 || a === 127 || a === 169 || a === 172 || a === 192) continue
    const id = Buffer.from(Array.from({ length: 20 }, byte)).toString('hex') as NodeID
    out.push({ id, ip: random() < 0.2 ? `2606:4700:${byte()}::${byte()}` : `${a}.${byte()}.${byte()}.${1 + (byte() % 254)}`, port: 26656 })
  }
  return out
}

function opsPerSec(fn: () => void, ms = 1000, batch = 200): number {
  for (let i = 0; i < batch * 10; i++) fn()
  const start = process.hrtime.bigint()
  let ops = 0
  let elapsed = 0
  do {
    for (let k = 0; k < batch; k++) fn()
    ops += batch
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  } while (elapsed < ms)
  return (ops / elapsed) * 1000
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] as number
}
const k = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(1)} k/s`)
let sink = 0

// ---- 1. codec ----
const root = protobuf.Root.fromJSON({
  nested: {
    NetAddress: { fields: { id: { type: 'string', id: 1 }, ip: { type: 'string', id: 2 }, port: { type: 'uint32', id: 3 } } },
    PexRequest: { fields: {} },
    PexAddrs: { fields: { addrs: { rule: 'repeated', type: 'NetAddress', id: 1 } } },
    Message: {
      oneofs: { sum: { oneof: ['pexRequest', 'pexAddrs'] } },
      fields: { pexRequest: { type: 'PexRequest', id: 1 }, pexAddrs: { type: 'PexAddrs', id: 2 } }
    }
  }
})
const PbMessage = root.lookupType('Message')
const addrs250 = addresses(250)
const wire = encodePexAddrs(addrs250)
if (Buffer.compare(Buffer.from(wire), Buffer.from(PbMessage.encode({ pexAddrs: { addrs: addrs250 } }).finish())) !== 0) {
  throw new Error('codecs disagree')
}
console.log(`PexAddrs with 250 addresses: ${wire.length} bytes`)
const encOurs = opsPerSec(() => {
  sink += encodePexAddrs(addrs250).length
})
const encPb = opsPerSec(() => {
  sink += PbMessage.encode({ pexAddrs: { addrs: addrs250 } }).finish().length
})
const decOurs = opsPerSec(() => {
  const m = decodePexMessage(wire)
  sink += m.type === 'addrs' ? m.addrs.length : 0
})
const decPb = opsPerSec(() => {
  const m = PbMessage.decode(wire) as unknown as { pexAddrs: { addrs: unknown[] } }
  sink += m.pexAddrs.addrs.length
})
const decValidate = opsPerSec(() => {
  const m = decodePexMessage(wire)
  if (m.type === 'addrs') sink += netAddressesFromProto(m.addrs).length
})
console.log('\n| 250-address PexAddrs | ours | protobufjs | ours / protobufjs |')
console.log('| --- | ---: | ---: | ---: |')
console.log(`| encode | ${k(encOurs)} | ${k(encPb)} | ${(encOurs / encPb).toFixed(2)} |`)
console.log(`| decode | ${k(decOurs)} | ${k(decPb)} | ${(decOurs / decPb).toFixed(2)} |`)
console.log(`| decode + Go's NetAddressesFromProto checks | ${k(decValidate)} | | |`)

if (process.env.PEX_BENCH === 'codec') process.exit(0)

// ---- 2. request → answer with a full book ----
function fullBook(): BucketedAddrBook {
  const book = addrBook({ random: rng(1) })({})
  const sources = addresses(5000)
  addresses(80_000).forEach((a, i) => {
    book.addAddress(a, sources[i % sources.length] as NetAddress)
    if (i % 8 === 0) book.markGood(a)
  })
  return book
}
const book = fullBook()
console.log(`\nfull book: ${book.size()} addresses`)

// 2a. in process: receive(PexRequest) → PexAddrs queued on the peer (selection + encode).
{
  const reactor = pex({ minReceiveIntervalMs: 0 })({ addrBook: book })
  const info = (id: NodeID): NodeInfo => ({
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id,
    listenAddr: 'tcp://8.8.8.8:26656',
    network: 'bench',
    version: '0.34.35',
    channels: Uint8Array.of(0),
    moniker: 'b',
    other: { txIndex: '', rpcAddress: '' }
  })
  let answered = 0
  const peer = {
    id: 'ab'.repeat(20) as NodeID,
    nodeInfo: info('ab'.repeat(20) as NodeID),
    outbound: true,
    persistent: false,
    unconditional: false,
    socketAddr: { id: 'ab'.repeat(20) as NodeID, ip: '8.8.8.8', port: 26656 },
    signal: new AbortController().signal,
    send: async () => true,
    trySend: (_ch: number, m: Uint8Array) => {
      answered += m.length
      return true
    },
    get: () => undefined,
    set: () => {},
    delete: () => {},
    status: () => ({ connectedAt: 0, bytesSent: 0, bytesReceived: 0, channels: [] })
  } as unknown as Peer
  const facade = {
    nodeInfo: () => info('cd'.repeat(20) as NodeID),
    peers: () => ({ has: () => true, hasIp: () => false, get: () => peer, list: () => [peer], size: 1 }),
    numPeers: () => ({ outbound: 1, inbound: 0 }),
    broadcast: async () => [],
    stopPeer: () => {
      throw new Error('stopped')
    },
    stopPeerGracefully: async () => {},
    events: new EventTarget()
  } as unknown as SwitchFacade
  reactor.attach(facade)
  reactor.addPeer(peer)
  const request = encodePexRequest()
  const perSec = opsPerSec(() => reactor.receive({ channelId: 0, src: peer, message: request }), 1500, 50)
  sink += answered
  const selection = opsPerSec(() => {
    sink += book.getSelection().length
  }, 1000, 50)
  console.log(`\nin process, receive(PexRequest) → 250-address answer queued: ${k(perSec)} (${(1e6 / perSec).toFixed(1)} µs)`)
  console.log(`  baseline, book.getSelection() alone: ${k(selection)} (${(1e6 / selection).toFixed(1)} µs)`)
}

// 2b. over loopback TCP between two real nodes.
class Probe implements Reactor {
  readonly name = 'probe'
  sw: SwitchFacade | undefined
  onMessage: ((e: Envelope) => void) | undefined
  constructor(readonly ch: ChannelDescriptor) {}
  channels(): ChannelDescriptor[] {
    return [this.ch]
  }
  attach(sw: SwitchFacade): void {
    this.sw = sw
  }
  receive(e: Envelope): void {
    this.onMessage?.(e)
  }
}

async function node(host: string, reactors: Reactor[], flushThrottleMs: number): Promise<{ sw: Switch; transport: Transport; addr: NetAddress }> {
  const key = generateNodeKey()
  let info: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: key.id,
    listenAddr: `tcp://${host}:0`,
    network: 'bench',
    version: '0.34.35',
    channels: Uint8Array.from(reactors.flatMap((r) => r.channels().map((c) => c.id))),
    moniker: 'bench',
    other: { txIndex: 'off', rpcAddress: '' }
  }
  const transport = tcpTransport({ listen: `${host}:0`, allowDuplicateIp: true, mconnection: { flushThrottleMs } })({
    nodeKey: key,
    nodeInfo: () => info
  })
  await transport.start()
  const addr = transport.listenAddress()
  info = { ...info, listenAddr: `tcp://${addr.ip}:${addr.port}` }
  const sw = p2pSwitch({ allowDuplicateIp: true })({ transport, nodeInfo: () => info })
  for (const r of reactors) sw.addReactor(r)
  await sw.start()
  return { sw, transport, addr }
}

async function roundTrips(client: Probe, peer: Peer, request: Uint8Array, n: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    const done = new Promise<void>((resolve) => {
      client.onMessage = () => resolve()
    })
    peer.trySend(client.ch.id, request)
    await done
    times.push(Number(process.hrtime.bigint() - t0) / 1e3)
  }
  return times
}

console.log('\n| loopback TCP, request → answer received | flush throttle | median | p99 |')
console.log('| --- | ---: | ---: | ---: |')
let hostNo = 1
for (const [flushThrottleMs, rounds] of [
  [100, 40],
  [0, 400]
] as const) {
  const h = (): string => `127.0.2.${hostNo++}`
  const server = await node(h(), [pex({ minReceiveIntervalMs: 0, ensurePeersPeriodMs: 3_600_000 })({ addrBook: book })], flushThrottleMs)
  const client = new Probe({ id: 0, priority: 1, recvMessageCapacity: 64000 })
  const c = await node(h(), [client], flushThrottleMs)
  const peer = await c.sw.dialPeer(server.addr)
  await roundTrips(client, peer, encodePexRequest(), 20)
  const pexTimes = await roundTrips(client, peer, encodePexRequest(), rounds)

  // Baseline: an echo reactor answering a 2-byte message with a ready-made answer of the same size.
  const echo = new Probe({ id: 0x70, priority: 1, recvMessageCapacity: 64000 })
  echo.onMessage = (e) => e.src.trySend(0x70, wire)
  const s2 = await node(h(), [echo], flushThrottleMs)
  const client2 = new Probe({ id: 0x70, priority: 1, recvMessageCapacity: 64000 })
  const c2 = await node(h(), [client2], flushThrottleMs)
  const peer2 = await c2.sw.dialPeer(s2.addr)
  await roundTrips(client2, peer2, Uint8Array.of(0x0a, 0x00), 20)
  const echoTimes = await roundTrips(client2, peer2, Uint8Array.of(0x0a, 0x00), rounds)
  const us = (x: number): string => (x >= 10_000 ? `${(x / 1000).toFixed(1)} ms` : `${x.toFixed(0)} µs`)
  console.log(`| PexRequest → PexAddrs (250 of a full book) | ${flushThrottleMs} ms | ${us(median(pexTimes))} | ${us(pct(pexTimes, 99))} |`)
  console.log(`| baseline: echo of a ready ${wire.length}-byte answer | ${flushThrottleMs} ms | ${us(median(echoTimes))} | ${us(pct(echoTimes, 99))} |`)
  for (const n of [c, server, c2, s2]) {
    await n.sw.stop()
    await n.transport.stop()
  }
}
if (sink === 42) console.log('')
