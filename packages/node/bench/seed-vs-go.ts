/**
 * Seed-shaped benchmark with a real PEX exchange, against Go in the same run (issue 14): a fresh
 * seed process, Go's and ours alternating, takes `--conns` (10,000) inbound connections, each of
 * which does the full set-up, sends one `PexRequest`, reads the `PexAddrs` answer and closes,
 * `--inflight` (128) at once, after `--warmup` (10,000) unmeasured connections in the same
 * process. Reported per run: connections/s, the seed's CPU per connection (user + system, all
 * threads), its resident memory at start and at peak, its context switches per connection, and
 * the answers' mean size, all read from `/proc/<pid>` for both seeds alike (NaN without /proc).
 *
 * The seeds:
 * - ours: `bench/seed-listener.mjs`, `createNode` in PEX seed mode on the built package (build
 *   first: `node scripts/pnpm.mjs --filter @p2p/node... run build`), on plain `node`;
 * - Go's: `<gobench> seed <host:port> <chain>`, a local build that is not part of this
 *   repository (the program of packages/transport/BENCHMARKS-transport.md §6, with one more
 *   role). On the unmodified CometBFT v0.34.35 packages it builds what node.go builds for a
 *   seed: `config.DefaultP2PConfig()` with `SeedMode`, `AllowDuplicateIP` and
 *   `MaxNumInboundPeers = 10000`; `p2p.NewMultiplexTransport` with `p2p.MConnConfig(cfg)` and a
 *   NodeInfo announcing channel 0x00 on network `<chain>`; `pex.NewAddrBook(<temp file>, false)`;
 *   `pex.NewReactor(book, &pex.ReactorConfig{SeedMode: true, SeedDisconnectWaitPeriod: 28h})`;
 *   a `Switch` with that reactor and book, loggers off. It prints
 *   `{"ready":true,"addr":"<id>@<host:port>"}` once listening and exits on `exit` on stdin.
 * Both address books are in memory and not strict; the dialers (ours, `@p2p/transport`, in this
 * process, `--keys` identities, the same for both seeds) report 0.0.0.0 as their listen address,
 * which neither book takes, so both seeds answer from an empty book: what is compared is the
 * seed's work per newcomer (admission, peer set-up, the PEX exchange, hang-up), not the size of
 * its answer. The answers' mean size is printed to show it.
 *
 * `BENCH_NODE_ARGS` passes node flags to our seed (e.g. `--cpu-prof --cpu-prof-dir=<dir>`).
 * `--other=<path>` adds a third seed to each round: another checkout's copy of
 * `seed-listener.mjs` (on that checkout's built packages), to compare two versions of ours
 * against the same Go seed in one run.
 *
 * Run: npx tsx packages/node/bench/seed-vs-go.ts --go=/path/to/gobench [--conns=10000] [--inflight=128] [--warmup=10000] [--rounds=2] [--keys=1024] [--other=<path>]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { generateNodeKey } from '@p2p/config'
import { decodePexMessage, encodePexRequest } from '@p2p/pex'
import { tcpTransport } from '@p2p/transport'
import { type NodeInfo, parseNetAddressLiteral, type Transport } from '@p2p/types'

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
const num = (name: string, fallback: number): number => Number(arg(name) ?? fallback)
const GO = arg('go') ?? process.env.P2P_GOBENCH
const CONNS = num('conns', 10_000)
const INFLIGHT = num('inflight', 128)
const WARMUP = num('warmup', 10_000)
const ROUNDS = num('rounds', 2)
const KEYS = num('keys', 1024)
const CHAIN = 'bench-chain'
const PEX = 0x00

// ------------------------------------------------------------ /proc, read the same way for both seeds

/** CPU time so far (user + system, all threads), µs, in Linux's 100 ticks a second; NaN without /proc. */
function cpuUs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return ((Number(rest[11]) + Number(rest[12])) * 1e6) / 100
  } catch {
    return Number.NaN
  }
}

/** Resident memory now and at its peak, MiB (not getrusage: a child's starts at its parent's). */
function memoryMiB(pid: number): { rss: number; peak: number } {
  let status = ''
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    // no /proc: NaN
  }
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

/** Context switches so far over all threads: [voluntary, involuntary]. */
function contextSwitches(pid: number): [number, number] {
  let v = 0
  let nv = 0
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const s = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8')
      v += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? Number.NaN)
      nv += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? Number.NaN)
    }
  } catch {
    return [Number.NaN, Number.NaN]
  }
  return [v, nv]
}

// ------------------------------------------------------------ the seeds

interface Seed {
  proc: ChildProcess
  pid: number
  addr: string
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const a = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return typeof a === 'object' && a !== null ? a.port : 0
}

type Kind = 'go' | 'ours' | 'other'

/** Node flags for our seed (a profiler's, say): `BENCH_NODE_ARGS`. */
const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '')

async function startSeed(kind: Kind): Promise<Seed> {
  const hostPort = `127.0.0.1:${await freePort()}`
  const listener = kind === 'other' ? (arg('other') as string) : fileURLToPath(new URL('./seed-listener.mjs', import.meta.url))
  const proc = kind === 'go' ? spawn(GO as string, ['seed', hostPort, CHAIN], { stdio: ['pipe', 'pipe', 'inherit'] }) : spawn(process.execPath, [...nodeArgs, listener, hostPort, CHAIN], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
  for await (const line of lines) {
    if (!line.startsWith('{')) continue
    const ready = JSON.parse(line) as { ready?: boolean; addr?: string }
    if (ready.ready === true && typeof ready.addr === 'string') return { proc, pid: proc.pid as number, addr: ready.addr }
  }
  throw new Error(`the ${kind} seed exited before it was ready`)
}

function stopSeed(s: Seed): Promise<void> {
  return new Promise((resolve) => {
    s.proc.once('exit', () => resolve())
    s.proc.stdin?.write('exit\n')
    setTimeout(() => s.proc.kill('SIGKILL'), 5000).unref()
  })
}

// ------------------------------------------------------------ our dialers

async function dialers(): Promise<Transport[]> {
  const out: Transport[] = []
  for (let i = 0; i < KEYS; i++) {
    const nodeKey = generateNodeKey()
    const nodeInfo: NodeInfo = {
      protocolVersion: { p2p: 8n, block: 11n, app: 0n },
      id: nodeKey.id,
      // Unspecified, as a node listening on every interface reports itself: neither seed's book
      // takes it, so both answer from the same (empty) book and the comparison is the seed's
      // machinery, not the size of its answer.
      listenAddr: 'tcp://0.0.0.0:26656',
      network: CHAIN,
      version: '0.34.35',
      channels: Uint8Array.from([PEX]),
      moniker: `dialer-${i}`,
      other: { txIndex: 'off', rpcAddress: '' }
    }
    const t = tcpTransport({ dialOnly: true, mconnection: { sendRate: 0, recvRate: 0 } })({ nodeKey, nodeInfo: () => nodeInfo })
    await t.start()
    out.push(t)
  }
  return out
}

const CHANNELS = [{ id: PEX, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: 64_000 }]

interface Run {
  conns: number
  errors: number
  firstError: string
  ms: number
  answerBytes: number
  answerAddrs: number
}

/** `total` connections, `INFLIGHT` at once: dial, ask, read the answer, close. */
async function run(ts: readonly Transport[], addr: string, total: number): Promise<Run> {
  const target = parseNetAddressLiteral(addr)
  const r: Run = { conns: 0, errors: 0, firstError: '', ms: 0, answerBytes: 0, answerAddrs: 0 }
  let started = 0
  let next = 0
  const t0 = performance.now()
  const one = async (t: Transport): Promise<void> => {
    const c = await t.dial(target)
    let answered: (m: Uint8Array) => void = () => {}
    let closed: (e: Error) => void = () => {}
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      answered = resolve
      closed = reject
    })
    c.start(CHANNELS, { onReceive: (_ch, m) => answered(m), onClose: (e) => closed(e ?? new Error('closed before the answer')) })
    c.trySend(PEX, encodePexRequest())
    let timer: NodeJS.Timeout | undefined
    try {
      const m = await Promise.race([answer, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer in 5 s')), 5000)))])
      const decoded = decodePexMessage(m)
      r.answerBytes += m.length
      r.answerAddrs += decoded.type === 'addrs' ? decoded.addrs.length : 0
    } finally {
      clearTimeout(timer)
      await c.close()
    }
  }
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++
      const t = ts[next++ % ts.length] as Transport
      try {
        await one(t)
        r.conns++
      } catch (err) {
        r.errors++
        if (r.firstError === '') r.firstError = (err as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: INFLIGHT }, worker))
  r.ms = performance.now() - t0
  return r
}

// ------------------------------------------------------------ main

if (GO === undefined) {
  console.error('usage: seed-vs-go.ts --go=<gobench> (Go v0.34.35 benchmark peer, built locally)')
  process.exit(2)
}
console.log(`node ${process.version}, ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(
  `seed-shaped with PEX: ${CONNS} inbound connections per run, ${INFLIGHT} at once, each handshake + PexRequest + PexAddrs + close; our dialers (${KEYS} keys); fresh seed process per run, measured after ${WARMUP} warm-up connections`
)
console.log('| seed | run | connections/s | seed CPU µs/conn | seed CPU % of a core | RSS at start → peak MiB | context switches / conn, voluntary / involuntary | answer: bytes / addresses (mean) | errors | load avg |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
const ts = await dialers()
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of (arg('other') === undefined ? ['go', 'ours'] : ['go', 'ours', 'other']) as Kind[]) {
    const seed = await startSeed(kind)
    const rss0 = memoryMiB(seed.pid).rss
    if (WARMUP > 0) await run(ts, seed.addr, WARMUP)
    const c0 = cpuUs(seed.pid)
    const s0 = contextSwitches(seed.pid)
    const r = await run(ts, seed.addr, CONNS)
    const c1 = cpuUs(seed.pid)
    const s1 = contextSwitches(seed.pid)
    const mem = memoryMiB(seed.pid)
    await stopSeed(seed)
    const per = (x: number): string => (x / r.conns).toFixed(1)
    console.log(
      `| ${kind === 'go' ? 'Go' : kind === 'ours' ? 'ours' : 'ours (--other)'} | ${round + 1} | ${((r.conns * 1000) / r.ms).toFixed(0)} | ${((c1 - c0) / r.conns).toFixed(0)} | ${((100 * (c1 - c0)) / (r.ms * 1000)).toFixed(0)} % | ${rss0.toFixed(1)} → ${mem.peak.toFixed(1)} | ${per(s1[0] - s0[0])} / ${per(s1[1] - s0[1])} | ${(r.answerBytes / r.conns).toFixed(0)} / ${(r.answerAddrs / r.conns).toFixed(0)} | ${r.errors}${r.errors > 0 ? ` (${r.firstError})` : ''} | ${loadavg()[0]?.toFixed(2)} |`
    )
  }
}
await Promise.all(ts.map((t) => t.stop()))
process.exit(0)
