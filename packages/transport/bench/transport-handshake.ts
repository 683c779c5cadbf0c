/**
 * Handshake cost over loopback, next to Go's 367 µs per pair (SecretConnection handshake of both
 * sides including the TCP connect, go-benchmarks.md):
 * - the SecretConnection alone: TCP connect + secretHandshake on both ends, one pair at a time;
 * - the full transport: `dial` + `accept` until both PeerConnections are ready and started
 *   (TCP connect, SecretConnection, NodeInfo exchange and checks, MConnection built), one pair
 *   at a time (closing is not timed), and with several dialers at once (pairs per second of
 *   wall time, closing included).
 * Run: npx tsx packages/transport/bench/transport-handshake.ts [--warmup=1500] [--rounds=7] [--per-round=200] [--parallel=8] [--parallel-ms=3000] [--aead=<name>] [--only=<label text>]
 */
import { connect, createServer, type Socket } from 'node:net'
import type { ChannelDescriptor, NodeID, PeerConnection } from '@p2p/types'
import type { Transport } from '@p2p/types'
import { secretHandshake } from '../src/index.js'
import { chosenAead, header, identity, median, numberArg, ratio, selected, startTransport } from './transport-common.js'

const GO_US_PER_PAIR = 367
const aead = chosenAead()
const ROUNDS = numberArg('rounds', 7)
const WARMUP_MS = numberArg('warmup', 1500)
const PER_ROUND = numberArg('per-round', 200)
const PARALLEL = numberArg('parallel', 8)
const PARALLEL_MS = numberArg('parallel-ms', 3000)
const CHANNELS: ChannelDescriptor[] = [
  { id: 0x20, priority: 5 },
  { id: 0x21, priority: 10 }
]
const noop = { onReceive() {}, onClose() {} }

/** Median over rounds of the mean time of one pair, µs; `one` returns the ms it timed. */
async function rounds(one: () => Promise<number>): Promise<{ us: number; rounds: number[] }> {
  // The first ~1000 handshakes run slower (JIT, first-use crypto paths): warm up by time.
  const until = performance.now() + WARMUP_MS
  while (performance.now() < until) await one()
  const per: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    let ms = 0
    for (let i = 0; i < PER_ROUND; i++) ms += await one()
    per.push((ms * 1000) / PER_ROUND)
  }
  return { us: median(per), rounds: per }
}

async function secretOnly(): Promise<{ us: number; rounds: number[] }> {
  const keyA = identity([]).nodeKey
  const keyB = identity([]).nodeKey
  let onConn: ((s: Socket) => void) | undefined
  const srv = createServer({ noDelay: true }, (s) => onConn?.(s))
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const addr = srv.address()
  if (addr === null || typeof addr === 'string') throw new Error('no address')
  const one = async (): Promise<number> => {
    const t0 = performance.now()
    const serverSide = new Promise<Socket>((r) => {
      onConn = r
    })
    const client = connect({ host: '127.0.0.1', port: addr.port, noDelay: true })
    const [a, b] = await Promise.all([
      secretHandshake(client, keyA, { aead }),
      serverSide.then((s) => secretHandshake(s, keyB, { aead }))
    ])
    const ms = performance.now() - t0
    a.close()
    b.close()
    return ms
  }
  try {
    return await rounds(one)
  } finally {
    await new Promise<void>((r) => srv.close(() => r()))
  }
}

/** Routes the listener's accepted connections to whoever waits for that dialer's ID. */
function dispatcher(listener: Transport): (id: NodeID) => Promise<PeerConnection> {
  const waiting = new Map<NodeID, (c: PeerConnection) => void>()
  void (async () => {
    for await (const c of listener.accept()) {
      const w = waiting.get(c.remoteInfo.id)
      waiting.delete(c.remoteInfo.id)
      if (w === undefined) await c.close()
      else w(c)
    }
  })()
  return (id) => new Promise((r) => waiting.set(id, r))
}

async function fullSequential(): Promise<{ us: number; rounds: number[] }> {
  const ids = CHANNELS.map((c) => c.id)
  const [listener, dialer] = await Promise.all([startTransport(ids, aead), startTransport(ids, aead)])
  const inbound = dispatcher(listener)
  const dialerId = dialer.listenAddress().id
  const one = async (): Promise<number> => {
    const t0 = performance.now()
    const accepted = inbound(dialerId)
    const out = await dialer.dial(listener.listenAddress())
    const inb = await accepted
    out.start(CHANNELS, noop)
    inb.start(CHANNELS, noop)
    const ms = performance.now() - t0
    await Promise.all([out.close(), inb.close()])
    return ms
  }
  try {
    return await rounds(one)
  } finally {
    await Promise.all([listener.stop(), dialer.stop()])
  }
}

async function fullParallel(): Promise<{ pairsPerS: number; pairs: number }> {
  const ids = CHANNELS.map((c) => c.id)
  const listener = await startTransport(ids, aead)
  const dialers = await Promise.all(Array.from({ length: PARALLEL }, () => startTransport(ids, aead)))
  const inbound = dispatcher(listener)
  let counting = false
  let pairs = 0
  let stop = false
  const loop = async (d: Transport): Promise<void> => {
    const id = d.listenAddress().id
    while (!stop) {
      const accepted = inbound(id)
      const out = await d.dial(listener.listenAddress())
      const inb = await accepted
      out.start(CHANNELS, noop)
      inb.start(CHANNELS, noop)
      if (counting) pairs++
      await Promise.all([out.close(), inb.close()])
    }
  }
  const loops = dialers.map(loop)
  await new Promise((r) => setTimeout(r, WARMUP_MS))
  counting = true
  const t0 = performance.now()
  await new Promise((r) => setTimeout(r, PARALLEL_MS))
  counting = false
  const ms = performance.now() - t0
  stop = true
  await Promise.all(loops)
  await Promise.all([listener.stop(), ...dialers.map((d) => d.stop())])
  return { pairsPerS: pairs / (ms / 1000), pairs }
}

console.log(header(aead))
console.log(`median of ${ROUNDS} rounds of ${PER_ROUND} pairs, one at a time, after ${WARMUP_MS} ms of warm-up; Go: ${GO_US_PER_PAIR} µs per pair (SecretConnection, incl. TCP connect)\n`)
const fmt = (r: { us: number; rounds: number[] }): string =>
  `${r.us.toFixed(0).padStart(6)} µs/pair ${(1e6 / r.us).toFixed(0).padStart(6)} pairs/s  [${r.rounds.map((x) => x.toFixed(0)).join('/')}]`
const SC_LABEL = 'SecretConnection handshake + TCP connect '
const FULL_LABEL = 'transport dial + accept (+ NodeInfo, MConn)'
const PAR_LABEL = `transport, ${PARALLEL} dialers at once, incl. close `
const sc = selected(SC_LABEL) ? await secretOnly() : undefined
if (sc !== undefined) console.log(`${SC_LABEL}  ${fmt(sc)}  ${ratio(GO_US_PER_PAIR, sc.us)} of Go's speed`)
if (selected(FULL_LABEL)) {
  const full = await fullSequential()
  const extra = sc === undefined ? '' : `; NodeInfo + MConn add ${(full.us - sc.us).toFixed(0)} µs`
  console.log(`${FULL_LABEL} ${fmt(full)}  ${ratio(GO_US_PER_PAIR, full.us)} of Go's speed (Go figure: SC only)${extra}`)
}
if (selected(PAR_LABEL)) {
  const par = await fullParallel()
  console.log(
    `${PAR_LABEL} ${(1e6 / par.pairsPerS).toFixed(0).padStart(6)} µs/pair ${par.pairsPerS.toFixed(0).padStart(6)} pairs/s  (${par.pairs} pairs in ${PARALLEL_MS} ms)  ${ratio(par.pairsPerS, 1e6 / GO_US_PER_PAIR)} of Go's sequential rate`
  )
}
