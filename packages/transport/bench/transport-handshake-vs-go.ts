/**
 * Connection set-up against Go in the same run, each side in its own process: full dial +
 * secret handshake + NodeInfo + MConnection start, then close (Go's `MultiplexTransport` +
 * `Switch` against our `tcpTransport`), for the four pairings Go → Go, ours → Go, Go → ours,
 * ours → ours, one connection at a time and with 8 dialers at once. Rounds are interleaved
 * (every cell once per round), and each figure is the median round with its range. CPU per
 * connection is `getrusage` / `process.cpuUsage` (user + system, all threads) of each side's
 * process over the window, divided by the connections made in it.
 *
 * With `--seed` it instead runs the seed-shaped benchmark: one fresh listener (Go, then ours)
 * takes `--seed-conns` (10,000) inbound connections that each handshake, send one message on a
 * test channel, wait for its echo, and close, with `--seed-inflight` (128) dialers at once;
 * it reports connections/s, the listener's CPU per connection and its peak RSS. With
 * `--seed-warmup=N` the listener first takes N connections that are not measured (a fresh Node
 * process spends its first seconds compiling: the cold figure includes that JIT warm-up).
 *
 * Go's side is a small program on the unmodified CometBFT v0.34.35 `p2p` packages (listener: a
 * Switch with one echo reactor on channel 0x77, allow_duplicate_ip, rate limits off; dialer:
 * MultiplexTransport.Dial + Peer.Start/Stop). It is built locally from Go's sources and passed
 * with `--go=<binary>` (or $P2P_GOBENCH); it is not part of this repository (see
 * BENCHMARKS-transport.md §6 for its protocol). Without it only our pairings run.
 *
 * With `--from=dist` our peer processes run on plain `node` (no tsx) from a plain-JS copy of this
 * file in `packages/transport/.tmp/`, on the built `dist/` (build it first); `BENCH_NODE_ARGS`
 * passes node flags to them (e.g. `--perf-basic-prof` for `perf record`).
 *
 * Run: npx tsx packages/transport/bench/transport-handshake-vs-go.ts --go=/path/to/gobench [--rounds=5] [--ms=2000] [--parallel=8] [--keys=256] [--seed] [--seed-conns=10000] [--seed-inflight=128] [--seed-warmup=0] [--seed-dialer=go|ours] [--from=dist [--peers-via-tsx]]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { createServer } from 'node:net'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { PerformanceObserver } from 'node:perf_hooks'
import { createNetAddress, type NodeID, type PeerConnection, type Transport } from '@p2p/types'
import type { NodeKey } from '@p2p/types'
import * as fromSources from '../src/index.js'
import { chosenAead, header, identity, median, numberArg, plainCopies, UNLIMITED } from './transport-common.js'

// `--from=dist`: our processes run the built package (what users install: no tsx transform, no
// esbuild `__name` wrappers) instead of the TypeScript sources. Build it first.
const fromDist = process.argv.includes('--from=dist')
const distDir = new URL('../dist/', import.meta.url)
if (fromDist) {
  const { statSync, readdirSync } = await import('node:fs')
  const srcDir = fileURLToPath(new URL('../src/', import.meta.url))
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => statSync(`${e.parentPath}/${e.name}`).mtimeMs))
  const newestSrc = newest(srcDir)
  let built = 0
  try {
    // An incremental build rewrites only what changed: the newest output tells when it last ran.
    built = newest(fileURLToPath(distDir))
  } catch {}
  if (built < newestSrc) {
    console.error('--from=dist: packages/transport/dist is missing or older than src/; run `node scripts/pnpm.mjs --filter @p2p/transport run build` first')
    process.exit(2)
  }
}
const impl: typeof fromSources = fromDist ? await import(new URL('index.js', distDir).href) : fromSources
const distKey: ((seed: Uint8Array) => NodeKey) | undefined = fromDist
  ? ((await import(new URL('secret/ed25519.js', distDir).href)) as { nodeKeyFromSeed: (seed: Uint8Array) => NodeKey }).nodeKeyFromSeed
  : undefined

const ECHO_CH = 0x77
/** Go's echo reactor decodes the message as a `tendermint.p2p.NetAddress`; this is one (id = 32 ASCII bytes). */
const ECHO_MSG = Uint8Array.from([0x0a, 0x20, ...Buffer.from('echo-echo-echo-echo-echo-echo-ec', 'latin1')])
const CHANNELS = [{ id: ECHO_CH, priority: 5, sendQueueCapacity: 10, recvMessageCapacity: 1 << 20 }]
const stringArg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)

// ------------------------------------------------------------ our peer processes (line protocol on stdio)

const out = (v: unknown): void => {
  process.stdout.write(`${JSON.stringify(v)}\n`)
}
const cpuUs = (): number => {
  const u = process.cpuUsage()
  return u.user + u.system
}

// Event-loop turns (libuv's loop count) and garbage collections, for the per-connection profile.
let gcCount = 0
let gcMs = 0
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcCount++
    gcMs += e.duration
  }
}).observe({ entryTypes: ['gc'] })
const stats = (): Record<string, number> => ({
  cpuUs: cpuUs(),
  loops: performance.nodeTiming.uvMetricsInfo.loopCount,
  gcCount,
  gcMs,
})

/**
 * Commands shared by our listener and dialer: `stats`, `prof-start`, `prof-stop <file prefix>`
 * (a CPU profile and a sampling heap profile of the window in between, through the inspector).
 */
const session = new Session()
const post = (method: string, params?: object): Promise<unknown> =>
  new Promise((resolve, reject) => session.post(method, params, (err, res) => (err === null ? resolve(res) : reject(err))))
async function control(line: string): Promise<boolean> {
  const [cmd, arg] = line.trim().split(/\s+/)
  if (cmd === 'stats' || cmd === 'cpu') out(stats())
  else if (cmd === 'prof-start') {
    session.connect()
    await post('Profiler.enable')
    await post('Profiler.setSamplingInterval', { interval: 100 })
    await post('HeapProfiler.enable')
    await post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    await post('Profiler.start')
    out({ ok: true })
  } else if (cmd === 'prof-stop') {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown }
    const heap = (await post('HeapProfiler.stopSampling')) as { profile: unknown }
    writeFileSync(`${arg}.cpuprofile`, JSON.stringify(profile))
    writeFileSync(`${arg}.heapprofile`, JSON.stringify(heap.profile))
    session.disconnect()
    out({ ok: true })
  } else return false
  return true
}

function makeTransport(listen: string, maxPendingInbound: number): { t: Transport; id: NodeID } {
  const { nodeKey, nodeInfo } = distKey === undefined ? identity([ECHO_CH]) : identity([ECHO_CH], distKey)
  // From dist the transport picks its own default AEAD (the same as `chosenAead()`'s default).
  const secret = fromDist && !process.argv.some((a) => a.startsWith('--aead=')) ? {} : { secret: { aead: chosenAead() } }
  const t = impl.tcpTransport({ listen, allowDuplicateIp: true, maxPendingInbound, maxPendingPerIp: maxPendingInbound, mconnection: UNLIMITED, ...secret })({
    nodeKey,
    nodeInfo: () => nodeInfo
  })
  return { t, id: nodeKey.id }
}

async function ourListener(): Promise<void> {
  const { t } = makeTransport('127.0.0.1:0', 4096)
  await t.start()
  const serve = async (): Promise<void> => {
    for await (const c of t.accept()) {
      c.start(CHANNELS, { onReceive: (ch, m) => c.trySend(ch, m), onClose() {} })
    }
  }
  void serve()
  const a = t.listenAddress()
  out({ ready: true, addr: `${a.id}@${a.ip}:${a.port}` })
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'exit') break
    await control(line)
  }
  await t.stop()
  process.exit(0)
}

async function ourDialer(keys: number): Promise<void> {
  const ts: Transport[] = []
  for (let i = 0; i < keys; i++) {
    const { t } = makeTransport('127.0.0.1:0', 64)
    await t.start()
    ts.push(t)
  }
  out({ ready: true })
  let next = 0
  for await (const line of createInterface({ input: process.stdin })) {
    const f = line.trim().split(/\s+/)
    if (f[0] === 'exit') break
    if (await control(line)) continue
    if (f[0] !== 'run' || f.length < 5) continue
    const [idPart, hostPort] = (f[1] as string).split('@') as [string, string]
    const [host, port] = hostPort.split(':') as [string, string]
    const addr = createNetAddress(idPart as NodeID, host, Number(port))
    const parallel = Number(f[2])
    const ms = Number(f[3])
    const echo = f[4] === '1'
    const count = f.length > 5 ? Number(f[5]) : 0
    let conns = 0
    let errors = 0
    let started = 0
    let firstError = ''
    const s0 = stats()
    const t0 = performance.now()
    const deadline = t0 + ms
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline && (count === 0 || ++started <= count)) {
        const t = ts[next++ % ts.length] as Transport
        let conn: PeerConnection | undefined
        try {
          conn = await t.dial(addr)
          const c = conn
          let gotEcho: () => void = () => {}
          const echoed = new Promise<void>((resolve) => {
            gotEcho = resolve
          })
          c.start(CHANNELS, { onReceive: () => gotEcho(), onClose() {} })
          if (echo) {
            c.trySend(ECHO_CH, ECHO_MSG)
            let timer: NodeJS.Timeout | undefined
            await Promise.race([echoed, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no echo in 5 s')), 5000)))])
            clearTimeout(timer)
          }
          await c.close()
          conns++
        } catch (err) {
          errors++
          if (firstError === '') firstError = (err as Error).message
          await conn?.close()
        }
      }
    }
    await Promise.all(Array.from({ length: parallel }, worker))
    const elapsed = performance.now() - t0
    const s1 = stats()
    out({ conns, errors, ms: elapsed, cpuUs: (s1.cpuUs as number) - (s0.cpuUs as number), loops: (s1.loops as number) - (s0.loops as number), gcCount: (s1.gcCount as number) - (s0.gcCount as number), gcMs: (s1.gcMs as number) - (s0.gcMs as number), firstError })
  }
  await Promise.all(ts.map((t) => t.stop()))
  process.exit(0)
}

// ------------------------------------------------------------ orchestrator

interface Peer {
  name: string
  proc: ChildProcess
  next(): Promise<Record<string, unknown>>
  send(line: string): void
}

function peerProcess(name: string, cmd: string, args: string[]): Peer {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines: string[] = []
  const waiters: Array<(l: string) => void> = []
  const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
  rl.on('line', (l) => {
    if (!l.startsWith('{')) return
    const w = waiters.shift()
    if (w !== undefined) w(l)
    else lines.push(l)
  })
  return {
    name,
    proc,
    next: () =>
      new Promise((resolve) => {
        const l = lines.shift()
        if (l !== undefined) resolve(JSON.parse(l))
        else waiters.push((x) => resolve(JSON.parse(x)))
      }),
    send: (line) => proc.stdin?.write(`${line}\n`)
  }
}

const self = fileURLToPath(import.meta.url)
/** With `--from=dist`: this file's plain-JS copy, which our peer processes run on plain `node`. */
let plainSelf: string | undefined
const ours = (role: string, ...extra: string[]): [string, string[]] => {
  const passed = [`--role=${role}`, ...extra, ...process.argv.filter((a) => a.startsWith('--aead=') || a === '--from=dist')]
  if (plainSelf === undefined) return [process.execPath, [...process.execArgv, self, ...passed]]
  // Node flags for our peers (a profiler's, say) come from BENCH_NODE_ARGS, not from tsx's.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '')
  return [process.execPath, [...nodeArgs, plainSelf, ...passed]]
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const a = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return typeof a === 'object' && a !== null ? a.port : 0
}

async function startListener(kind: 'go' | 'ours', goBin: string | undefined): Promise<Peer & { addr: string }> {
  const p = kind === 'go' ? peerProcess('Go', goBin as string, ['listen', `127.0.0.1:${await freePort()}`]) : peerProcess('ours', ...ours('listener'))
  const ready = await p.next()
  return Object.assign(p, { addr: ready.addr as string })
}

async function startDialer(kind: 'go' | 'ours', goBin: string | undefined, keys: number): Promise<Peer> {
  const p = kind === 'go' ? peerProcess('Go', goBin as string, ['dial', String(keys)]) : peerProcess('ours', ...ours('dialer', `--keys=${keys}`))
  await p.next()
  return p
}

interface Sample {
  perS: number
  dialerUs: number
  listenerUs: number
  errors: number
  load: number
  /** Our processes only: event-loop turns, GCs and GC ms per connection (dialer, listener). */
  dialerLoops?: number
  listenerLoops?: number
  dialerGcMs?: number
  listenerGcMs?: number
  /** Context switches per connection of each side's process, all threads: [voluntary, involuntary]. */
  dialerSwitches: [number, number]
  listenerSwitches: [number, number]
}

/**
 * A process's context switches so far, summed over its threads: voluntary (it blocked) and
 * involuntary (another task preempted it). NaN without /proc. Read for both sides alike, Go's
 * and ours; they show what one side's thread activity costs the other in a mixed pairing.
 */
function contextSwitches(pid: number | undefined): [number, number] {
  let voluntary = 0
  let involuntary = 0
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8')
      voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN)
      involuntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN)
    }
  } catch {
    return [Number.NaN, Number.NaN]
  }
  return [voluntary, involuntary]
}

const per = (a: Record<string, unknown>, b: Record<string, unknown>, key: string, conns: number): number | undefined =>
  typeof a[key] === 'number' && typeof b[key] === 'number' ? ((b[key] as number) - (a[key] as number)) / conns : undefined

async function measure(d: Peer, l: Peer & { addr: string }, parallel: number, ms: number, echo: boolean, count = 0): Promise<Sample & { conns: number; ms: number; firstError: string }> {
  l.send('stats')
  const l0 = await l.next()
  const ds0 = contextSwitches(d.proc.pid)
  const ls0 = contextSwitches(l.proc.pid)
  d.send(`run ${l.addr} ${parallel} ${ms} ${echo ? 1 : 0} ${count}`)
  const r = await d.next()
  const ds1 = contextSwitches(d.proc.pid)
  const ls1 = contextSwitches(l.proc.pid)
  l.send('stats')
  const l1 = await l.next()
  const conns = r.conns as number
  const switches = (a: [number, number], b: [number, number]): [number, number] => [(b[0] - a[0]) / conns, (b[1] - a[1]) / conns]
  const s: Sample & { conns: number; ms: number; firstError: string } = {
    conns,
    ms: r.ms as number,
    perS: (conns * 1000) / (r.ms as number),
    dialerUs: (r.cpuUs as number) / conns,
    listenerUs: ((l1.cpuUs as number) - (l0.cpuUs as number)) / conns,
    errors: r.errors as number,
    load: loadavg()[0] as number,
    firstError: r.firstError as string,
    dialerSwitches: switches(ds0, ds1),
    listenerSwitches: switches(ls0, ls1)
  }
  const ll = per(l0, l1, 'loops', conns)
  const lg = per(l0, l1, 'gcMs', conns)
  if (ll !== undefined) s.listenerLoops = ll
  if (lg !== undefined) s.listenerGcMs = lg
  if (typeof r.loops === 'number') s.dialerLoops = r.loops / conns
  if (typeof r.gcMs === 'number') s.dialerGcMs = r.gcMs / conns
  return s
}

const fmt = (xs: number[], digits = 0): string => {
  const s = [...xs].sort((a, b) => a - b)
  const m = median(s).toLocaleString('en-US', { maximumFractionDigits: digits })
  return s.length > 1 ? `${m} [${(s[0] as number).toFixed(digits)}–${(s[s.length - 1] as number).toFixed(digits)}]` : m
}

async function sideBySide(goBin: string | undefined): Promise<void> {
  const rounds = numberArg('rounds', 5)
  const ms = numberArg('ms', 2000)
  const parallel = numberArg('parallel', 8)
  const keys = numberArg('keys', 256)
  const kinds: Array<'go' | 'ours'> = goBin === undefined ? ['ours'] : ['go', 'ours']
  const listeners = new Map<string, Peer & { addr: string }>()
  const dialers = new Map<string, Peer>()
  for (const k of kinds) listeners.set(k, await startListener(k, goBin))
  for (const k of kinds) dialers.set(k, await startDialer(k, goBin, keys))
  const cells: Array<{ d: 'go' | 'ours'; l: 'go' | 'ours'; par: number }> = []
  for (const par of [1, parallel]) for (const d of kinds) for (const l of kinds) cells.push({ d, l, par })
  // Warm-up: every pairing, 8 dialers, so both JITs and Go's pools are warm before timing.
  for (const c of cells.filter((c) => c.par === parallel)) await measure(dialers.get(c.d) as Peer, listeners.get(c.l) as Peer & { addr: string }, parallel, 1500, false)
  const samples = new Map<string, Sample[]>()
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round so no pairing always runs first or last.
    const order = cells.map((_, i) => cells[(i + r) % cells.length] as (typeof cells)[number])
    for (const c of order) {
      const s = await measure(dialers.get(c.d) as Peer, listeners.get(c.l) as Peer & { addr: string }, c.par, ms, false)
      if (s.errors > 0) console.error(`${c.d} -> ${c.l} x${c.par}: ${s.errors} errors (${s.firstError})`)
      const key = `${c.d}|${c.l}|${c.par}`
      samples.set(key, [...(samples.get(key) ?? []), s])
    }
    console.error(`round ${r + 1}/${rounds} done, load ${loadavg()[0]?.toFixed(2)}`)
  }
  const name = (k: string): string => (k === 'go' ? 'Go' : 'ours')
  console.log(`${rounds} interleaved rounds of ${ms} ms per cell; medians [range]; CPU = user+sys of each side's process per connection`)
  console.log('| dialer → listener | dialers | connections/s | vs Go → Go | dialer CPU µs/conn | listener CPU µs/conn | load avg |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const c of cells) {
    const s = samples.get(`${c.d}|${c.l}|${c.par}`) ?? []
    const base = samples.get(`go|go|${c.par}`)
    const vs = base === undefined ? '—' : `${(median(s.map((x) => x.perS)) / median(base.map((x) => x.perS))).toFixed(2)}×`
    console.log(
      `| ${name(c.d)} → ${name(c.l)} | ${c.par} | ${fmt(s.map((x) => x.perS))} | ${vs} | ${fmt(s.map((x) => x.dialerUs))} | ${fmt(s.map((x) => x.listenerUs))} | ${fmt(s.map((x) => x.load), 2)} |`
    )
  }
  console.log('\nOur side of the same cells: event-loop turns and GC time per connection (median)')
  console.log('| dialer → listener | dialers | our dialer: loop turns / GC µs | our listener: loop turns / GC µs |')
  console.log('| --- | ---: | ---: | ---: |')
  const m = (xs: Array<number | undefined>, digits: number): string => {
    const v = xs.filter((x): x is number => x !== undefined)
    return v.length === 0 ? '—' : median(v).toFixed(digits)
  }
  for (const c of cells) {
    if (c.d !== 'ours' && c.l !== 'ours') continue
    const s = samples.get(`${c.d}|${c.l}|${c.par}`) ?? []
    const dl = c.d === 'ours' ? `${m(s.map((x) => x.dialerLoops), 1)} / ${m(s.map((x) => (x.dialerGcMs ?? 0) * 1000), 0)}` : '—'
    const ll = c.l === 'ours' ? `${m(s.map((x) => x.listenerLoops), 1)} / ${m(s.map((x) => (x.listenerGcMs ?? 0) * 1000), 0)}` : '—'
    console.log(`| ${name(c.d)} → ${name(c.l)} | ${c.par} | ${dl} | ${ll} |`)
  }
  console.log("\nContext switches per connection of each side's process, all threads, voluntary / involuntary (median)")
  console.log('| dialer → listener | dialers | dialer | listener |')
  console.log('| --- | ---: | ---: | ---: |')
  const vi = (xs: Array<[number, number]>): string => `${median(xs.map((x) => x[0])).toFixed(1)} / ${median(xs.map((x) => x[1])).toFixed(1)}`
  for (const c of cells) {
    const s = samples.get(`${c.d}|${c.l}|${c.par}`) ?? []
    console.log(`| ${name(c.d)} → ${name(c.l)} | ${c.par} | ${vi(s.map((x) => x.dialerSwitches))} | ${vi(s.map((x) => x.listenerSwitches))} |`)
  }
  if (kinds.length === 2) {
    // Each side paired with its own kind: what one side of a connection costs when the other
    // side is the same implementation (the mean of dialer and listener, per round).
    console.log('\nOne side with a peer of its own kind: (dialer + listener) / 2, CPU µs per connection, median [range]')
    console.log('| dialers | Go → Go | ours → ours | ours / Go |')
    console.log('| ---: | ---: | ---: | ---: |')
    for (const par of [1, parallel]) {
      const side = (k: string): number[] => (samples.get(`${k}|${k}|${par}`) ?? []).map((x) => (x.dialerUs + x.listenerUs) / 2)
      const g = side('go')
      const o = side('ours')
      console.log(`| ${par} | ${fmt(g)} | ${fmt(o)} | ${(median(o) / median(g)).toFixed(2)}× |`)
    }
  }
  const profDir = stringArg('profile')
  if (profDir !== undefined) {
    // One profile of each of our sides, against Go's other side, 8 dialers, 3 s.
    for (const [d, l, who] of [['go', 'ours', 'listener'], ['ours', 'go', 'dialer']] as const) {
      const dp = dialers.get(d) as Peer
      const lp = listeners.get(l) as Peer & { addr: string }
      const target = who === 'listener' ? lp : dp
      target.send('prof-start')
      await target.next()
      const s = await measure(dp, lp, parallel, 3000, false)
      target.send(`prof-stop ${profDir}/${who}`)
      await target.next()
      console.log(`profiled our ${who}: ${s.conns} connections -> ${profDir}/${who}.cpuprofile, .heapprofile`)
    }
  }
  for (const p of [...listeners.values(), ...dialers.values()]) p.send('exit')
}

async function seed(goBin: string | undefined): Promise<void> {
  const total = numberArg('seed-conns', 10_000)
  const inflight = numberArg('seed-inflight', 128)
  const keys = numberArg('keys', 1024)
  const dialerKind = (stringArg('seed-dialer') ?? (goBin === undefined ? 'ours' : 'go')) as 'go' | 'ours'
  const kinds: Array<'go' | 'ours'> = goBin === undefined ? ['ours'] : ['go', 'ours']
  const rounds = numberArg('rounds', 3)
  const warmup = numberArg('seed-warmup', 0)
  console.log(`seed-shaped: ${total} inbound connections per run, ${inflight} at once, each handshake + one echo on channel 0x77 + close; dialer: ${dialerKind}; fresh listener process per run${warmup > 0 ? `, measured after ${warmup} warm-up connections in the same process` : ' (cold: JIT warm-up included)'}`)
  console.log('| listener | run | connections/s | listener CPU µs/conn | of which GC µs/conn | listener CPU % of a core | listener RSS at start → peak MiB | listener context switches / conn, voluntary / involuntary | errors | load avg |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  const d = await startDialer(dialerKind, goBin, keys)
  await measure(d, await warmListener(kinds[0] as 'go' | 'ours', goBin, d), inflight, 1000, true)
  for (let r = 0; r < rounds; r++) {
    for (const k of kinds) {
      const l = await startListener(k, goBin)
      l.send('stats')
      await l.next()
      const rss0 = memoryMiB(l.proc.pid).rss
      if (warmup > 0) await measure(d, l, inflight, 600_000, true, warmup)
      const s = await measure(d, l, inflight, 600_000, true, total)
      l.send('cpu')
      await l.next()
      const rss = memoryMiB(l.proc.pid).peak
      l.send('exit')
      const cpuPct = (s.listenerUs * s.conns) / (s.ms * 10)
      const gc = s.listenerGcMs === undefined ? '—' : (s.listenerGcMs * 1000).toFixed(0)
      console.log(`| ${k === 'go' ? 'Go' : 'ours'} | ${r + 1} | ${s.perS.toFixed(0)} | ${s.listenerUs.toFixed(0)} | ${gc} | ${cpuPct.toFixed(0)} % | ${rss0.toFixed(1)} → ${rss.toFixed(1)} | ${s.listenerSwitches[0].toFixed(1)} / ${s.listenerSwitches[1].toFixed(1)} | ${s.errors}${s.errors > 0 ? ` (${s.firstError})` : ''} | ${s.load.toFixed(2)} |`)
    }
  }
  d.send('exit')
}

/**
 * A process's resident memory now and at its peak (MiB), read from /proc for Go and ours alike.
 * Not getrusage's maxRSS: a spawned child's starts at its parent's size (Linux keeps the
 * high-water mark from before the exec), so it would report this coordinator's memory.
 */
function memoryMiB(pid: number | undefined): { rss: number; peak: number } {
  let status = ''
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    // No /proc (not Linux): the column shows NaN rather than the run failing.
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

/** A throw-away listener to warm the dialer up. */
async function warmListener(kind: 'go' | 'ours', goBin: string | undefined, _d: Peer): Promise<Peer & { addr: string }> {
  const l = await startListener(kind, goBin)
  setTimeout(() => l.send('exit'), 3000).unref()
  return l
}

const role = stringArg('role')
// tsx turns source maps on; a shipped build has none, and with them every Error's stack is mapped
// (tens of µs per error, and a connection closed by us builds one). Off, as in production.
if (role !== undefined && !process.argv.includes('--source-maps')) process.setSourceMapsEnabled(false)
if (role === 'listener') await ourListener()
else if (role === 'dialer') await ourDialer(numberArg('keys', 256))
else {
  const goBin = stringArg('go') ?? process.env.P2P_GOBENCH
  console.log(header(chosenAead()))
  // `--peers-via-tsx` keeps the tsx loader in our peers, to measure what it costs them.
  if (fromDist && !process.argv.includes('--peers-via-tsx')) plainSelf = await plainCopies(['transport-handshake-vs-go.ts', 'transport-common.ts'])
  console.log(fromDist ? `our side: the built package (dist/) ${plainSelf === undefined ? 'through tsx' : 'on plain node'}` : 'our side: the TypeScript sources through tsx (--from=dist runs the built package)')
  console.log(goBin === undefined ? 'Go: not given (--go=<binary>), only our pairings run' : `Go: ${goBin}`)
  if (process.argv.includes('--seed')) await seed(goBin)
  else await sideBySide(goBin)
}
