/**
 * Native allocations per connection set-up in one of our processes: every libc `malloc` and
 * `calloc` call of our listener (or dialer) while our dialers make `--conns` connections to our
 * listener (full set-up, then close; `--echo`: one echoed message first), each side in its own
 * process on the built package, as in `transport-handshake-vs-go.ts` (whose peer roles it runs).
 * Prints the calls per connection, grouped by what made V8 or Node allocate and by the first two
 * JavaScript frames above the call.
 *
 * Why count them: V8 moves a typed array of 64 bytes or less out of its heap the first time it
 * reaches a native call or its `.buffer` is read, and every ArrayBuffer of its own costs a
 * backing store; each is three or four mallocs and a sweep, ≈ 1 µs (BENCHMARKS-transport.md §6,
 * "Round 6"). The count is exact where CPU time on this shared machine is not.
 *
 * Needs Linux `perf` and uprobes on libc's allocator, set up once as root (the path of libc
 * varies):
 *   perf probe -x /lib/x86_64-linux-gnu/libc.so.6 'malloc size=%di:u64'
 *   perf probe -x /lib/x86_64-linux-gnu/libc.so.6 'calloc n=%di:u64 size=%si:u64'
 * and a build: `node scripts/pnpm.mjs --filter @p2p/transport run build`.
 *
 * Run: npx tsx packages/transport/bench/native-allocs.ts [--side=listener|dialer] [--conns=1000] [--warmup=3000] [--parallel=8] [--echo]
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { numberArg, plainCopies, roleProcess } from './transport-common.js'

const side = process.argv.find((a) => a.startsWith('--side='))?.slice(7) ?? 'listener'
const CONNS = numberArg('conns', 1000)
const WARMUP = numberArg('warmup', 3000)
const PARALLEL = numberArg('parallel', 8)
const ECHO = process.argv.includes('--echo') ? 1 : 0

/** What made the allocation, from the native frames just above it. */
const CAUSES: Array<[string, RegExp]> = [
  ['small array handed to a native call', /napi_get_typedarray_info/],
  ['.buffer of a small array', /TypedArrayPrototypeBuffer/],
  ['view of a small array', /Runtime_TypedArrayGetBuffer/],
  ['ArrayBuffer of its own', /ArrayBufferConstructor|ConstructBuffer|NewJSArrayBuffer/],
  ["Node's socket read buffer", /allocate_managed_buffer|OnStreamRead|OnUvRead/],
  ["Node's handle or request objects", /AsyncWrap::AsyncWrap|HandleWrap|WriteWrap|ReqWrap|OnClose/],
  ['V8 hidden-class change', /Map::Copy/],
  ["V8's optimizing compiler", /compiler::|FeedbackNexus/]
]

function summarize(script: string, conns: number): void {
  const byCause = new Map<string, number>()
  const byCaller = new Map<string, number>()
  let total = 0
  for (const sample of script.split('\n\n')) {
    const frames = sample
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().replace(/^[0-9a-f]+ /, ''))
    if (frames.length === 0) continue
    total++
    const native = frames.slice(0, 12).join(' ')
    const cause = CAUSES.find(([, re]) => re.test(native))?.[0] ?? 'other (a native call, libuv, V8)'
    byCause.set(cause, (byCause.get(cause) ?? 0) + 1)
    const js = frames
      .filter((f) => f.startsWith('JS:'))
      .slice(0, 2)
      .map((f) => f.slice(3).replace(/ ?(file:\/\/)?\/\S*\/(packages|node_modules)\//, ' ').replace(/:\d+$/, ''))
    const caller = js.length === 0 ? '(no JavaScript frame)' : js.join(' < ')
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + 1)
  }
  const table = (m: Map<string, number>, n: number): string =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `| ${k} | ${(v / conns).toFixed(2)} |`)
      .join('\n')
  console.log(`our ${side}: ${(total / conns).toFixed(1)} malloc + calloc calls per connection (${conns} connections)\n`)
  console.log(`| cause | per connection |\n| --- | ---: |\n${table(byCause, CAUSES.length + 1)}\n`)
  console.log(`| first JavaScript frames above the call | per connection |\n| --- | ---: |\n${table(byCaller, 25)}`)
}

const script = await plainCopies(['transport-handshake-vs-go.ts', 'transport-common.ts'])
const listener = roleProcess(script, 'listener', side === 'listener' ? ['--perf-basic-prof'] : [])
const { addr } = (await listener.next()) as { addr: string }
const dialer = roleProcess(script, 'dialer', side === 'dialer' ? ['--perf-basic-prof'] : [])
await dialer.next()
dialer.send(`run ${addr} ${PARALLEL} 600000 ${ECHO} ${WARMUP}`)
await dialer.next()
const target = side === 'listener' ? listener.proc : dialer.proc
const dir = mkdtempSync(join(tmpdir(), 'native-allocs-'))
const data = join(dir, 'perf.data')
const perf = spawn('perf', ['record', '-q', '-g', '-e', 'probe_libc:malloc', '-e', 'probe_libc:calloc', '-p', String(target.pid), '-o', data], { stdio: 'inherit' })
await new Promise((r) => setTimeout(r, 500))
dialer.send(`run ${addr} ${PARALLEL} 600000 ${ECHO} ${CONNS}`)
const result = (await dialer.next()) as { conns: number; errors: number }
perf.kill('SIGINT')
await new Promise((r) => perf.on('exit', r))
dialer.send('exit')
listener.send('exit')
if (result.errors > 0) console.log(`(${result.errors} connections failed)`)
try {
  summarize(execFileSync('perf', ['script', '-i', data, '-F', 'event,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }), result.conns)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
