// Groups a `perf record` CPU profile of one of our processes into the categories of
// BENCHMARKS-transport.md §6 "Round 3" (libsodium, V8 runtime, kernel, our JavaScript, ...).
// Record with the process started as `node --perf-basic-prof ...` (so JIT frames have names):
//   perf record -e cpu-clock -F 4000 -g -p <pid> -o side.data -- sleep 7
// Run: node packages/transport/bench/perf-categories.mjs side.data
import { execFileSync } from 'node:child_process'

const data = process.argv[2]
if (data === undefined) {
  console.error('usage: perf-categories.mjs <perf.data>')
  process.exit(2)
}
const report = execFileSync('perf', ['report', '-i', data, '--no-children', '--sort', 'dso,sym', '--stdio', '-g', 'none'], {
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
  stdio: ['ignore', 'pipe', 'ignore']
})

function category(dso, kind, sym) {
  if (kind === 'k' || dso.includes('kernel')) return 'kernel (TCP, epoll, scheduling)'
  if (dso.includes('sodium')) return 'libsodium (X25519, ed25519, SHA-2, ChaCha20-Poly1305)'
  if (sym.startsWith('JS:') || dso.includes('JIT')) {
    if (/keccak|merlin|\/kdf\.|aead|x25519|ed25519/.test(sym)) return 'our crypto glue (Keccak/Merlin, HKDF, AEAD calls)'
    if (sym.includes('/packages/') || sym.includes('/bench/')) return 'our JavaScript (transport, @p2p/types, bench)'
    if (sym.includes('node:')) return "Node's JavaScript (net, streams, events, timers)"
    return 'other JavaScript (dependencies)'
  }
  if (/compiler::|Compile|maglev|Deoptimiz/i.test(sym)) return "V8's JIT compiler"
  if (/Scaveng|Marking|Sweep|GC|Evacuat|heap::/.test(sym)) return 'garbage collection'
  if (dso.includes('libc')) return 'libc (malloc, memcpy)'
  if (sym.startsWith('node::') || sym.startsWith('uv_') || sym.startsWith('uv__')) return 'Node C++ / libuv'
  return 'V8 runtime and builtins (inline caches, typed arrays, promises)'
}

const shares = new Map()
let total = 0
for (const line of report.split('\n')) {
  const m = /^\s*([\d.]+)%\s+(.+?)\s+\[(.)\]\s+(.*)$/.exec(line)
  if (m === null) continue
  const share = Number(m[1])
  total += share
  const c = category(m[2].trim(), m[3], m[4].trim())
  shares.set(c, (shares.get(c) ?? 0) + share)
}
console.log('| share of CPU samples | % |\n| --- | ---: |')
for (const [c, v] of [...shares].sort((a, b) => b[1] - a[1])) console.log(`| ${c} | ${((100 * v) / total).toFixed(0)} % |`)
