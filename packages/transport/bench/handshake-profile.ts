/**
 * Summarises the profiles `transport-handshake-vs-go.ts --profile=<dir>` writes for one side of
 * a connection set-up: CPU self time grouped by where it goes (crypto, our code, Node's net and
 * stream machinery, GC, signals/timers/errors), leaving out idle time, the profiler's own work
 * and the socket write that wakes the peer (under load the wall-clock sampler charges it with
 * the time we sit descheduled after it; getrusage shows it is mostly not CPU); then the largest
 * allocation sites of the heap profile, per connection.
 * Run: npx tsx packages/transport/bench/handshake-profile.ts <dir>/listener <connections> [top=20]
 */
import { readFileSync } from 'node:fs'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}
interface CpuNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface HeapNode {
  callFrame: CallFrame
  selfSize: number
  children?: HeapNode[]
}

const [prefix, connArg, topArg] = process.argv.slice(2)
if (prefix === undefined) {
  console.error('usage: handshake-profile.ts <profile prefix> <connections> [top]')
  process.exit(2)
}
const conns = Number(connArg ?? 1)
const top = Number(topArg ?? 20)
const short = (f: CallFrame): string => `${f.functionName || '(anonymous)'} ${f.url.replace(/.*\/(packages|node_modules)\//, '')}:${f.lineNumber}`

const cpu = JSON.parse(readFileSync(`${prefix}.cpuprofile`, 'utf8')) as { nodes: CpuNode[]; samples: number[]; timeDeltas: number[] }
const nodes = new Map(cpu.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of cpu.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const self = new Map<number, number>()
for (const [i, id] of cpu.samples.entries()) self.set(id, (self.get(id) ?? 0) + (cpu.timeDeltas[i] ?? 0))

function under(id: number, re: RegExp): boolean {
  for (let q: number | undefined = id; q !== undefined; q = parent.get(q)) {
    const f = (nodes.get(q) as CpuNode).callFrame
    if (re.test(`${f.url} ${f.functionName}`)) return true
  }
  return false
}

function category(id: number): string | undefined {
  const { url, functionName } = (nodes.get(id) as CpuNode).callFrame
  if (functionName === '(idle)' || functionName === 'writeBuffer' || functionName === 'writev') return undefined
  if (under(id, /node:inspector|transport-handshake-vs-go/)) return undefined
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (functionName === '(program)') return 'V8, unattributed'
  if (url === '') {
    const p = parent.get(id)
    return p === undefined ? 'V8, unattributed' : category(p)
  }
  if (/sodium-native|@noble|merlin\.ts|node:internal\/crypto|aead/.test(url)) return 'crypto primitives'
  if (/event_target|abort_controller|task_queues|timers|errors|async_hooks/.test(url)) return 'signals, timers, microtasks, errors'
  if (/node:net|stream_base|node:internal\/streams|node:events|node:internal\/net|node:stream|buffer|encoding|primordials/.test(url)) return "Node's net / streams / events"
  if (/transport\/src|types\/(dist|src)/.test(url)) return 'our code (transport, @p2p/types)'
  return `other: ${url.replace(/.*\//, '')}`
}

const byCategory = new Map<string, number>()
let total = 0
for (const [id, us] of self) {
  const c = category(id)
  if (c === undefined) continue
  byCategory.set(c, (byCategory.get(c) ?? 0) + us)
  total += us
}
console.log(`CPU profile: ${(total / 1000).toFixed(0)} ms attributed (idle, profiler and peer-waking writes left out), ${conns} connections`)
for (const [c, us] of [...byCategory].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / conns).toFixed(0).padStart(5)} µs/conn  ${c}`)
}

const heap = JSON.parse(readFileSync(`${prefix}.heapprofile`, 'utf8')) as { head: HeapNode }
const sites = new Map<string, number>()
let bytes = 0
const walk = (n: HeapNode, callers: string[]): void => {
  const name = short(n.callFrame)
  if (n.selfSize > 0) {
    const key = `${name}  <  ${callers.slice(-2).reverse().join(' < ')}`
    sites.set(key, (sites.get(key) ?? 0) + n.selfSize)
    bytes += n.selfSize
  }
  for (const c of n.children ?? []) walk(c, [...callers, name])
}
walk(heap.head, [])
console.log(`\nheap profile: ≈ ${(bytes / conns / 1024).toFixed(1)} KiB allocated per connection (sampled)`)
for (const [k, b] of [...sites].sort((x, y) => y[1] - x[1]).slice(0, top)) {
  console.log(`${((100 * b) / bytes).toFixed(1).padStart(5)} %  ${(b / conns).toFixed(0).padStart(6)} B/conn  ${k}`)
}
