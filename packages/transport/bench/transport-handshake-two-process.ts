/**
 * Handshake cost with the listener in a child process and the dialer here, so each side has its
 * own core as two real nodes do (transport-handshake.ts runs both sides on one thread). The same
 * dialer code runs against a listener in this process, interleaved round by round, so the
 * one-process figure and the ratio come from the same run; the primitives of one side are timed
 * here too. Go: 367 µs per pair (SecretConnection handshake incl. TCP connect, go-benchmarks.md).
 *
 * A pair is done when the dialer's handshake (or `dial()` + `start`) resolved AND the listener
 * reported its side done (SecretConnection made / PeerConnection accepted and started) as a
 * 42-byte record on a plain loopback control socket; that report costs one loopback hop, timed
 * below as half a ping-pong. Closing is not timed for single pairs; before the next pair the
 * dialer waits until the listener reported its side closed too. With several dialers at once,
 * pairs per second of wall time include both closes.
 * With --timeline, it also prints when each step of a handshake happens on each side.
 * Run: npx tsx packages/transport/bench/transport-handshake-two-process.ts [--timeline] [--warmup=1500] [--rounds=7] [--per-round=200] [--parallel=8] [--parallel-ms=2000] [--give-up=90] [--aead=<name>]
 */
import { fork } from 'node:child_process'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { loadavg } from 'node:os'
import { Worker } from 'node:worker_threads'
import { createNetAddress, type NetAddress, type NodeID, type NodeKey } from '@p2p/types'
import type { Transport } from '@p2p/types'
import { secretHandshake } from '../src/index.js'
import { ed25519Verify } from '../src/secret/ed25519.js'
import { computeChallenge, deriveSecrets, sortKeys } from '../src/secret/kdf.js'
import { computeSharedSecret, generateEphemeralKeyPair } from '../src/secret/x25519.js'
import { chosenAead, header, identity, median, numberArg, socketPair, startTransport } from './transport-common.js'

const GO_US = 367
const aead = chosenAead()
/** Per listener and kind of pair, with 8 dialers at once (quicker than one at a time). */
const WARMUP_MS = numberArg('warmup', 1500)
/** One at a time against each listener before the timed rounds. */
const SETTLE_MS = 300
const ROUNDS = numberArg('rounds', 7)
const PER_ROUND = numberArg('per-round', 200)
const PARALLEL = numberArg('parallel', 8)
const PARALLEL_MS = numberArg('parallel-ms', 2000)
const CHANNELS = [
  { id: 0x20, priority: 5 },
  { id: 0x21, priority: 10 }
]
const noop = { onReceive() {}, onClose() {} }
const now = (): number => performance.now()

// ------------------------------------------------------------ control records (listener -> dialer)

/** kind (S = SecretConnection, T = transport, P = ping) + event (r ready, c closed, p/q ping/pong) + 40-char ID. */
const REC = 42
const record = (kind: string, event: string, id: string): Buffer => Buffer.from(`${kind}${event}${id.padEnd(40, '0')}`, 'latin1')

function onRecords(s: Socket, f: (key: string) => void): void {
  let rest: Buffer = Buffer.alloc(0)
  s.on('data', (chunk: Buffer) => {
    const buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk])
    let off = 0
    for (; buf.length - off >= REC; off += REC) f(buf.toString('latin1', off, off + REC))
    rest = buf.subarray(off)
  })
}

type ToChild = { type: 'exit' } | { type: 'timelines' } | { type: 'cpu' }

// ------------------------------------------------------------ timeline (--timeline)

const TIMELINE = process.argv.includes('--timeline')
const TIMELINE_PAIRS = 1000
/** Events of one handshake: label and wall-clock µs (one clock for both processes). */
type Log = Array<[string, number]>
const wallUs = (): number => (performance.timeOrigin + performance.now()) * 1000

/** Notes when `s` starts, receives and writes, for the timeline of one handshake. */
function tap(s: Socket, side: string): Log {
  const log: Log = [[`${side} ${side === 'L' ? 'accepted' : 'connect() called'}`, wallUs()]]
  s.on('data', (b: Buffer) => log.push([`${side} received ${b.length} B`, wallUs()]))
  const write = s.write
  s.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    log.push([`${side} wrote ${(args[0] as Uint8Array).length} B`, wallUs()])
    return write.apply(this, args)
  } as Socket['write']
  return log
}

async function timelinePair(r: Remote, key: NodeKey): Promise<Log> {
  const ready = r.next('S', 'r', key.id)
  const closed = r.next('S', 'c', key.id)
  const socket = connect({ host: '127.0.0.1', port: r.ports.secret, noDelay: true })
  const log = tap(socket, 'D')
  socket.once('connect', () => log.push(['D connected', wallUs()]))
  const sc = await secretHandshake(socket, key, { aead })
  log.push(['D done', wallUs()])
  await ready
  log.push(["D has the listener's ready record", wallUs()])
  sc.close()
  await closed
  return log
}

/** Median time of each event from the dialer's connect() call, over the last pairs. */
async function timeline(r: Remote, key: NodeKey): Promise<string[]> {
  const until = now() + SETTLE_MS
  while (now() < until) await timelinePair(r, key)
  const dialer: Log[] = []
  for (let i = 0; i < TIMELINE_PAIRS; i++) dialer.push(await timelinePair(r, key))
  const listener = (await r.timelines()).slice(-TIMELINE_PAIRS)
  const at = new Map<string, number[]>()
  for (const [i, d] of dialer.entries()) {
    const t0 = d[0]?.[1] ?? 0
    const seen = new Map<string, number>()
    for (const [label, t] of [...d, ...(listener[i] ?? [])]) {
      // The n-th event of one label gets its own row (two reads of 35 B are two rows).
      const n = (seen.get(label) ?? 0) + 1
      seen.set(label, n)
      const key = n === 1 ? label : `${label} (#${n})`
      const ts = at.get(key) ?? []
      ts.push(t - t0)
      at.set(key, ts)
    }
  }
  return [...at]
    .map(([label, ts]) => ({ label, us: median(ts), share: ts.length / dialer.length }))
    .filter((e) => e.share >= 0.5)
    .sort((a, b) => a.us - b.us)
    .map((e) => `  ${e.us.toFixed(0).padStart(5)} µs  ${e.label}${e.share < 0.95 ? `  (in ${(e.share * 100).toFixed(0)}% of pairs)` : ''}`)
}

// ------------------------------------------------------------ the listener side (either process)

interface ListenerPorts {
  secret: number
  plain: number
  transport: { id: NodeID; port: number }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const a = server.address()
  if (a === null || typeof a === 'string') throw new Error('no address')
  return a.port
}

interface Listener {
  ports: ListenerPorts
  stop: () => Promise<void>
  /** With --timeline: the events of the last SecretConnection handshakes (listener side). */
  timelines: Log[]
}

async function startListener(ctl: Socket): Promise<Listener> {
  const timelines: Log[] = []
  const send = (kind: string, event: string, id: string): void => {
    ctl.write(record(kind, event, id))
  }
  onRecords(ctl, (r) => {
    if (r[0] === 'P') send('P', 'q', r.slice(2))
  })
  const key = identity([]).nodeKey
  const secret = createServer({ noDelay: true }, (socket) => {
    const log = TIMELINE ? tap(socket, 'L') : undefined
    secretHandshake(socket, key, { aead }).then(
      (c) => {
        if (log !== undefined) {
          log.push(['L done', wallUs()])
          timelines.push(log)
          if (timelines.length > TIMELINE_PAIRS) timelines.shift()
        }
        send('S', 'r', c.remoteId)
        c.start({
          onData() {},
          onEnd() {
            c.close()
            send('S', 'c', c.remoteId)
          }
        })
      },
      () => socket.destroy()
    )
  })
  // TCP connect alone: the accepted socket just waits for the dialer to close it.
  const plain = createServer({ noDelay: true }, (s) => {
    s.on('error', () => {})
    s.resume()
    s.on('end', () => s.destroy())
  })
  const t = await startTransport(
    CHANNELS.map((c) => c.id),
    aead,
    { maxPendingInbound: 256 }
  )
  void (async () => {
    for await (const c of t.accept()) {
      const id = c.remoteInfo.id
      c.start(CHANNELS, { onReceive() {}, onClose: () => send('T', 'c', id) })
      send('T', 'r', id)
    }
  })()
  const ports = { secret: await listen(secret), plain: await listen(plain), transport: { id: t.listenAddress().id, port: t.listenAddress().port } }
  const stop = async (): Promise<void> => {
    await Promise.all([t.stop(), new Promise<void>((r) => secret.close(() => r())), new Promise<void>((r) => plain.close(() => r()))])
    ctl.end()
  }
  return { ports, stop, timelines }
}

// ------------------------------------------------------------ the dialer side: a listener to talk to

/** Waits for the listener's records by kind, event and ID (a record may come before its waiter). */
class Remote {
  readonly counts = new Map<string, number>()
  private readonly banked = new Map<string, number>()
  private readonly waiters = new Map<string, Array<() => void>>()
  constructor(
    readonly name: string,
    readonly ctl: Socket,
    readonly ports: ListenerPorts,
    readonly close: () => Promise<void>,
    readonly timelines: () => Promise<Log[]>,
    /** CPU time used so far by the listener's process, µs. */
    readonly cpu: () => Promise<number>
  ) {
    onRecords(ctl, (r) => {
      this.counts.set(r.slice(0, 2), (this.counts.get(r.slice(0, 2)) ?? 0) + 1)
      const w = this.waiters.get(r)?.shift()
      if (w !== undefined) w()
      else this.banked.set(r, (this.banked.get(r) ?? 0) + 1)
    })
  }

  next(kind: string, event: string, id: string): Promise<void> {
    const key = record(kind, event, id).toString('latin1')
    const banked = this.banked.get(key) ?? 0
    if (banked > 0) {
      this.banked.set(key, banked - 1)
      return Promise.resolve()
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${kind}${event} record for ${id} within 5 s`)), 5000)
      const list = this.waiters.get(key) ?? []
      list.push(() => {
        clearTimeout(timer)
        resolve()
      })
      this.waiters.set(key, list)
    })
  }

  transportAddress(): NetAddress {
    return createNetAddress(this.ports.transport.id, '127.0.0.1', this.ports.transport.port)
  }
}

async function inProcessListener(): Promise<Remote> {
  const { client, server, close } = await socketPair()
  const l = await startListener(server)
  return new Remote(
    'one process',
    client,
    l.ports,
    async () => {
      await l.stop()
      client.destroy()
      await close()
    },
    async () => l.timelines,
    async () => cpuNow()
  )
}

async function childListener(): Promise<Remote> {
  const ctlServer = createServer({ noDelay: true })
  const port = await listen(ctlServer)
  const ctl = new Promise<Socket>((r) => ctlServer.once('connection', r))
  const child = fork(process.argv[1] as string, ['--child', String(port), ...process.argv.filter((a) => a.startsWith('--aead=') || a === '--timeline')], {
    stdio: 'inherit'
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  if (child.pid !== undefined) dog.alsoKill(child.pid)
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  })
  const ports = await Promise.race([
    new Promise<ListenerPorts>((r) => child.once('message', (m: ListenerPorts) => r(m))),
    exited.then(() => Promise.reject(new Error('the listener process exited before it was ready')))
  ])
  const socket = await ctl
  ctlServer.close()
  return new Remote(
    'two processes',
    socket,
    ports,
    async () => {
      child.send({ type: 'exit' } satisfies ToChild)
      await exited
      socket.destroy()
    },
    () =>
      new Promise((r) => {
        child.once('message', (m: Log[]) => r(m))
        child.send({ type: 'timelines' } satisfies ToChild)
      }),
    () =>
      new Promise((r) => {
        child.once('message', (m: number) => r(m))
        child.send({ type: 'cpu' } satisfies ToChild)
      })
  )
}

// ------------------------------------------------------------ one pair of each kind

interface Timed {
  pair: number
  dial: number
}

async function connectOnly(r: Remote): Promise<Timed> {
  const t0 = now()
  const s = connect({ host: '127.0.0.1', port: r.ports.plain, noDelay: true })
  await new Promise<void>((ok, fail) => {
    s.once('connect', ok)
    s.once('error', fail)
  })
  const ms = now() - t0
  s.end()
  await new Promise((ok) => s.once('close', ok))
  return { pair: ms, dial: ms }
}

async function ping(r: Remote): Promise<Timed> {
  const t0 = now()
  const pong = r.next('P', 'q', '')
  r.ctl.write(record('P', 'p', ''))
  await pong
  const ms = now() - t0
  return { pair: ms, dial: ms }
}

async function secretPair(r: Remote, key: NodeKey): Promise<Timed> {
  const t0 = now()
  const ready = r.next('S', 'r', key.id)
  const closed = r.next('S', 'c', key.id)
  const sc = await secretHandshake(connect({ host: '127.0.0.1', port: r.ports.secret, noDelay: true }), key, { aead })
  const dial = now() - t0
  await ready
  const pair = now() - t0
  sc.close()
  await closed
  return { pair, dial }
}

async function transportPair(r: Remote, d: Transport): Promise<Timed> {
  const id = d.listenAddress().id
  const t0 = now()
  const ready = r.next('T', 'r', id)
  const closed = r.next('T', 'c', id)
  const out = await d.dial(r.transportAddress())
  out.start(CHANNELS, noop)
  const dial = now() - t0
  await ready
  const pair = now() - t0
  await out.close()
  await closed
  return { pair, dial }
}

/** A short settling time, then rounds interleaved over the remotes; the median round mean, µs. */
async function sequential(remotes: Remote[], one: (r: Remote) => Promise<Timed>, perRound = PER_ROUND): Promise<Array<{ pair: number; dial: number; rounds: number[] }>> {
  for (const r of remotes) {
    const until = now() + SETTLE_MS
    while (now() < until) await one(r)
  }
  const per = remotes.map(() => ({ pair: [] as number[], dial: [] as number[] }))
  for (let k = 0; k < ROUNDS; k++) {
    for (const [i, r] of remotes.entries()) {
      let pair = 0
      let dial = 0
      for (let j = 0; j < perRound; j++) {
        const t = await one(r)
        pair += t.pair
        dial += t.dial
      }
      per[i]?.pair.push((pair * 1000) / perRound)
      per[i]?.dial.push((dial * 1000) / perRound)
    }
  }
  return per.map((p) => ({ pair: median(p.pair), dial: median(p.dial), rounds: p.pair }))
}

interface Rate {
  pairsPerS: number
  /** CPU time (user + system) per pair of this process and of the listener's (the same in 1 proc), µs. */
  dialerCpu: number
  listenerCpu: number
}

const cpuNow = (): number => {
  const u = process.cpuUsage()
  return u.user + u.system
}

/** `PARALLEL` dialer loops at once; pairs completed (both sides, both closed) per second. */
async function parallel(r: Remote, one: (i: number) => Promise<Timed>, warmMs: number, windowMs: number): Promise<Rate> {
  let stop = false
  let counting = false
  let pairs = 0
  const loops = Array.from({ length: PARALLEL }, async (_, i) => {
    while (!stop) {
      await one(i)
      if (counting) pairs++
    }
  })
  await new Promise((ok) => setTimeout(ok, warmMs))
  const [c0, l0] = [cpuNow(), await r.cpu()]
  counting = true
  const t0 = now()
  await new Promise((ok) => setTimeout(ok, windowMs))
  counting = false
  const ms = now() - t0
  const [c1, l1] = [cpuNow(), await r.cpu()]
  stop = true
  await Promise.all(loops)
  return { pairsPerS: pairs / (ms / 1000), dialerCpu: (c1 - c0) / pairs, listenerCpu: (l1 - l0) / pairs }
}

// ------------------------------------------------------------ one side's primitives

function timeSync(fn: () => void, iters = 1000): number {
  for (let i = 0; i < iters / 3; i++) fn()
  const samples: number[] = []
  for (let k = 0; k < 5; k++) {
    const t = now()
    for (let i = 0; i < iters; i++) fn()
    samples.push(((now() - t) * 1000) / iters)
  }
  return median(samples)
}

function primitives(): Array<[string, number]> {
  const key = identity([]).nodeKey
  const eph = generateEphemeralKeyPair()
  const other = generateEphemeralKeyPair()
  const msg = new Uint8Array(32).fill(9)
  const sig = key.sign(msg)
  const dh = computeSharedSecret(eph.privateKey, other.publicKey) ?? new Uint8Array(32)
  const { lo, hi } = sortKeys(eph.publicKey, other.publicKey)
  return [
    // Few key pairs: each one risks the keygen deadlock described at watchdog().
    ['X25519 keygen', timeSync(() => generateEphemeralKeyPair(), 300)],
    ['X25519 DH', timeSync(() => computeSharedSecret(eph.privateKey, other.publicKey))],
    ['ed25519 sign', timeSync(() => key.sign(msg))],
    ['ed25519 verify (incl. key import)', timeSync(() => ed25519Verify(key.publicKey, msg, sig))],
    ['HKDF-SHA256, 96 B', timeSync(() => deriveSecrets(dh, true))],
    ['Merlin challenge', timeSync(() => computeChallenge(lo, hi, dh))]
  ]
}

// ------------------------------------------------------------ watchdog

const GIVE_UP_S = numberArg('give-up', 90)
const WATCHDOG = `
const { parentPort, workerData } = require('node:worker_threads')
const { writeSync } = require('node:fs')
let stage = 'starting'
const pids = []
parentPort.on('message', (m) => {
  if (m.stage !== undefined) stage = m.stage
  if (m.pid !== undefined) pids.push(m.pid)
})
setTimeout(() => {
  writeSync(2, workerData.who + ': gave up after ' + workerData.ms / 1000 + ' s, at: ' + stage + '\\n')
  for (const pid of [...pids, process.pid]) try { process.kill(pid, 'SIGKILL') } catch {}
}, workerData.ms)
`

/**
 * Kills this process (and the pids it is given) after `seconds`. It runs in a worker thread
 * because the main thread can block for good: Node 20's `generateKeyPairSync('x25519')` followed
 * by a JWK export of the key deadlocks when a GC lands inside the export (src/secret/x25519.ts
 * does exactly that; it stopped about one run in three of this benchmark, which makes tens of
 * thousands of key pairs), and no timer of a blocked thread fires.
 */
function watchdog(who: string, seconds: number): { stage: (s: string) => void; alsoKill: (pid: number) => void } {
  const w = new Worker(WATCHDOG, { eval: true, workerData: { who, ms: seconds * 1000 } })
  w.unref()
  return { stage: (stage) => w.postMessage({ stage }), alsoKill: (pid) => w.postMessage({ pid }) }
}

const isChild = process.argv.includes('--child')
// The listener gives the dialer 10 s more to kill it first and report where it stopped.
const dog = watchdog(isChild ? 'listener process' : 'dialer process', GIVE_UP_S + (isChild ? 10 : 0))

// ------------------------------------------------------------ report

async function parent(): Promise<void> {
  console.log(header(aead))
  console.log(`dialer here, listener in a child process ("2 proc") or in this process ("1 proc"), rounds interleaved; median of ${ROUNDS} rounds of ${PER_ROUND} pairs, after a warm-up of ${WARMUP_MS} ms per listener and kind (${PARALLEL} dialers) and ${SETTLE_MS} ms one at a time; Go ${GO_US} µs per pair\n`)
  dog.stage('starting the listeners')
  const two = await childListener()
  const one = await inProcessListener()
  const remotes = [two, one]
  const f = (us: number): string => `${us.toFixed(0).padStart(5)} µs`
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`

  dog.stage('primitives')
  const prims = primitives()
  const side = prims.reduce((s, [, us]) => s + us, 0)
  console.log('one side of the handshake, primitives (this process):')
  for (const [name, us] of prims) console.log(`  ${name.padEnd(34)} ${us.toFixed(1).padStart(6)} µs`)
  console.log(`  ${'sum, one side / both sides'.padEnd(34)} ${side.toFixed(1).padStart(6)} / ${(2 * side).toFixed(1)} µs\n`)

  const keys = Array.from({ length: PARALLEL }, () => identity([]).nodeKey)
  const ids = CHANNELS.map((c) => c.id)
  const dialers = await Promise.all(Array.from({ length: PARALLEL }, () => startTransport(ids, aead)))
  const kinds = [
    ['SecretConnection', (r: Remote) => (i: number) => secretPair(r, keys[i] as NodeKey)],
    ['full transport', (r: Remote) => (i: number) => transportPair(r, dialers[i] as Transport)]
  ] as const
  // Both processes' handshake code must be warm (JIT) before anything is timed.
  dog.stage('warm-up')
  for (const [, run] of kinds) for (const r of remotes) await parallel(r, run(r), WARMUP_MS, 0)

  dog.stage('ping, connect')
  const [hop2, hop1] = await sequential(remotes, ping, 500)
  const [conn2, conn1] = await sequential(remotes, connectOnly)
  console.log(`control hop (half a ping-pong): 2 proc ${f((hop2?.pair ?? 0) / 2)}, 1 proc ${f((hop1?.pair ?? 0) / 2)}`)
  console.log(`TCP connect alone:              2 proc ${f(conn2?.pair ?? 0)}, 1 proc ${f(conn1?.pair ?? 0)}\n`)

  const line = (label: string, r: { pair: number; dial: number; rounds: number[] }, baseline: number): string =>
    `${label.padEnd(30)} ${f(r.pair)} (dialer done at ${f(r.dial)})  ${(1e6 / r.pair).toFixed(0).padStart(5)} pairs/s  ${pct(GO_US / r.pair).padStart(4)} of Go's speed  ${(r.pair / baseline).toFixed(2)}x its primitives  [${r.rounds.map((x) => x.toFixed(0)).join('/')}]`

  dog.stage('SecretConnection, one at a time')
  const [sc2, sc1] = await sequential(remotes, (r) => secretPair(r, keys[0] as NodeKey))
  if (sc2 === undefined || sc1 === undefined) throw new Error('no result')
  console.log(line('SecretConnection, 2 proc', sc2, side))
  console.log(line('SecretConnection, 1 proc', sc1, 2 * side))
  console.log(`  -> 1 proc / 2 proc = ${(sc1.pair / sc2.pair).toFixed(2)} (primitives per pair on the critical path: one side vs both sides)\n`)

  dog.stage('full transport, one at a time')
  const [t2, t1] = await sequential(remotes, (r) => transportPair(r, dialers[0] as Transport))
  if (t2 === undefined || t1 === undefined) throw new Error('no result')
  console.log(line('full transport, 2 proc', t2, side))
  console.log(line('full transport, 1 proc', t1, 2 * side))
  console.log(`  -> 1 proc / 2 proc = ${(t1.pair / t2.pair).toFixed(2)}; NodeInfo + MConnection add ${f(t2.pair - sc2.pair)} (2 proc), ${f(t1.pair - sc1.pair)} (1 proc)\n`)

  console.log(`${PARALLEL} dialers at once, ${PARALLEL_MS} ms after ${SETTLE_MS} ms, closing included (Go's sequential rate ${(1e6 / GO_US).toFixed(0)} pairs/s):`)
  for (const [label, run] of kinds) {
    dog.stage(`${label}, ${PARALLEL} at once`)
    const p2 = await parallel(two, run(two), SETTLE_MS, PARALLEL_MS)
    const p1 = await parallel(one, run(one), SETTLE_MS, PARALLEL_MS)
    const row = (proc: string, p: Rate, cpu: string): string =>
      `  ${`${label}, ${proc}`.padEnd(28)} ${p.pairsPerS.toFixed(0).padStart(5)} pairs/s  ${f(1e6 / p.pairsPerS)} per pair  ${pct(p.pairsPerS / (1e6 / GO_US)).padStart(4)} of Go's rate   CPU per pair: ${cpu}`
    const busy = (us: number, p: Rate): string => `${pct((us * p.pairsPerS) / 1e6)} of a core`
    const ofSide = (us: number): string => `${f(us)} = ${(us / side).toFixed(2)}x one side's primitives, ${busy(us, p2)}`
    console.log(row('2 proc', p2, `dialer ${ofSide(p2.dialerCpu)}; listener ${ofSide(p2.listenerCpu)}`))
    console.log(row('1 proc', p1, `both sides ${f(p1.dialerCpu)} = ${(p1.dialerCpu / (2 * side)).toFixed(2)}x both sides' primitives, ${busy(p1.dialerCpu, p1)}`))
    console.log(`  -> 2 proc / 1 proc = ${(p2.pairsPerS / p1.pairsPerS).toFixed(2)}x`)
  }
  if (TIMELINE) {
    for (const r of remotes) {
      dog.stage(`timeline, ${r.name}`)
      console.log(`\ntimeline of one SecretConnection handshake, ${r.name} (median of ${TIMELINE_PAIRS} pairs; D = dialer, L = listener):`)
      for (const l of await timeline(r, keys[0] as NodeKey)) console.log(l)
    }
  }
  for (const r of remotes) {
    const c = (k: string): number => r.counts.get(k) ?? 0
    if (c('Sr') !== c('Sc') || c('Tr') !== c('Tc')) throw new Error(`${r.name}: listener ready/closed counts differ: ${[...r.counts]}`)
  }
  dog.stage('closing')
  await Promise.all([...dialers.map((d) => d.stop()), two.close(), one.close()])
  console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
}

async function child(ctlPort: number): Promise<void> {
  const ctl = connect({ host: '127.0.0.1', port: ctlPort, noDelay: true })
  await new Promise<void>((r) => ctl.once('connect', r))
  const l = await startListener(ctl)
  process.send?.(l.ports)
  const exit = async (): Promise<void> => {
    await l.stop()
    if (process.connected) process.disconnect()
  }
  process.on('message', (m: ToChild) => {
    if (m.type === 'timelines') process.send?.(l.timelines)
    else if (m.type === 'cpu') process.send?.(cpuNow())
    else void exit()
  })
  // The parent died: leave too.
  process.once('disconnect', () => void l.stop())
}

if (isChild) await child(Number(process.argv[process.argv.indexOf('--child') + 1]))
else await parent()
