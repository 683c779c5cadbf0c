/**
 * `pnpm bench`: add / pick / selection throughput on a full book, save and load time of a full
 * book, and its memory, each next to a baseline measured in the same run. Prints Markdown.
 * Run with `node --expose-gc` (the package script does) for the memory figure.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NetAddress, NodeID } from '@p2p/types'
import { addrBook, type BucketedAddrBook } from '../src/index.js'

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

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

function addresses(n: number, random: () => number): NetAddress[] {
  const out: NetAddress[] = []
  const byte = (): number => Math.floor(random() * 256)
  while (out.length < n) {
    const a = 1 + Math.floor(random() * 223)
    if (a === 10 || a === 127 || a === 169 || a === 172 || a === 192) continue
    // a flat string (a concatenation rope would be flattened later and skew the heap figure)
    const id = Buffer.from(Array.from({ length: 20 }, byte)).toString('hex')
    out.push({ id: id as NodeID, ip: `${a}.${byte()}.${byte()}.${1 + (byte() % 254)}`, port: 26656 })
  }
  return out
}

/** Ops per second of `fn(i)`, run in batches for at least `ms`. */
function opsPerSec(fn: (i: number) => void, ms = 1500, batch = 1000): number {
  let i = 0
  for (let w = 0; w < batch; w++) fn(i++) // warm up
  const start = process.hrtime.bigint()
  let ops = 0
  let elapsed = 0
  do {
    for (let k = 0; k < batch; k++) fn(i++)
    ops += batch
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  } while (elapsed < ms)
  return (ops / elapsed) * 1000
}

async function msPerRun(fn: () => Promise<unknown> | unknown, runs: number): Promise<number> {
  await fn()
  const start = process.hrtime.bigint()
  for (let r = 0; r < runs; r++) await fn()
  return Number(process.hrtime.bigint() - start) / 1e6 / runs
}

const random = rng(42)
const sources = addresses(5000, random)
const fill = addresses(80_000, random)
const fresh = addresses(400_000, random)

/** A book as full as Go's geometry lets it get: new buckets at 64-65, old ones filled by markGood. */
function fullBook(filePath?: string): BucketedAddrBook {
  const book = addrBook({ random: rng(1), ...(filePath === undefined ? {} : { filePath }) })({})
  const copy = (a: NetAddress): NetAddress => JSON.parse(JSON.stringify(a)) as NetAddress
  fill.forEach((a, i) => {
    // deep copies, so that the heap figure counts the addresses (and their strings) the book keeps
    book.addAddress(copy(a), copy(sources[i % sources.length]!))
    if (i % 8 === 0) book.markGood(a)
  })
  return book
}

const dir = mkdtempSync(join(tmpdir(), 'addrbook-bench-'))
const path = join(dir, 'addrbook.json')
const rows: Array<[string, string, string, string]> = []
const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2))

try {
  if ((globalThis as { gc?: unknown }).gc === undefined) console.error('run with node --expose-gc for the heap figure')
  gc()
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  const book = fullBook(path)
  gc()
  gc()
  const heap = process.memoryUsage().heapUsed - heapBefore
  const size = book.size()
  const { nNew, nOld } = book.table

  rows.push(['heap of a full book (built by adds)', `${(heap / 1e6).toFixed(1)} MB (${Math.round(heap / size)} B/address)`, '', ''])
  // save, load and the loaded heap on the full book as built (before the adds below reshape it)
  const save = await msPerRun(() => book.save(), 10)
  const bytes = statSync(path).size
  const entries = book.knownAddresses()
  const stringify = await msPerRun(() => JSON.stringify({ key: book.key, addrs: entries }, null, '\t'), 10)
  rows.push([`save() full book (${(bytes / 1e6).toFixed(1)} MB, encode + write + fsync + rename)`, `${fmt(save)} ms`, `JSON.stringify ${fmt(stringify)} ms`, (save / stringify).toFixed(1)])

  // ADDRBOOK_BENCH_KEEP=<file>: keep the full book's file, e.g. for loading it with Go's code
  const keep = process.env.ADDRBOOK_BENCH_KEEP
  if (keep !== undefined && keep !== '') copyFileSync(path, keep)
  const text = readFileSync(path, 'utf8')
  const savedSize = book.size()
  const cpuBefore = process.cpuUsage()
  const load = await msPerRun(async () => {
    const b = addrBook({ filePath: path })({})
    await b.start()
    if (b.size() !== savedSize) throw new Error(`loaded ${b.size()} of ${savedSize}`)
  }, 10)
  const cpu = process.cpuUsage(cpuBefore)
  // CPU time of the process (all threads, the warm-up run included) per load: less sensitive to other load on the machine
  const loadCpu = (cpu.user + cpu.system) / 1000 / 11
  const parse = await msPerRun(() => JSON.parse(text), 10)
  rows.push(['start() loading a full book', `${fmt(load)} ms (CPU ${fmt(loadCpu)} ms)`, `JSON.parse ${fmt(parse)} ms`, (load / parse).toFixed(1)])
  {
    gc()
    gc()
    const loadedBefore = process.memoryUsage().heapUsed
    const loaded = addrBook({ filePath: path })({})
    await loaded.start()
    gc()
    gc()
    const loadedHeap = process.memoryUsage().heapUsed - loadedBefore
    rows.push(['heap of a full book (loaded by start())', `${(loadedHeap / 1e6).toFixed(1)} MB (${Math.round(loadedHeap / loaded.size())} B/address)`, '', ''])
  }

  // add: fresh addresses into the full book (most land in a full bucket and expire an entry)
  let f = 0
  const add = opsPerSec(() => {
    book.addAddress(fresh[f++ % fresh.length]!, sources[f % sources.length]!)
  })
  // baseline: a raw insert (and removal, to stay at the same size) into a Map of the book's size
  const map = new Map<string, NetAddress>(book.list().map((a) => [a.id, a]))
  const mapSet = opsPerSec((i) => {
    const a = fresh[(i * 7919) % fresh.length]!
    map.set(a.id, a)
    map.delete(a.id)
  })
  rows.push(['addAddress (new address, full book)', `${fmt(add)} /s`, `Map.set+delete ${fmt(mapSet)} /s`, (mapSet / add).toFixed(1)])

  const known = book.list()
  const addKnown = opsPerSec((i) => book.addAddress(known[i % known.length]!, sources[i % sources.length]!))
  rows.push(['addAddress (known address)', `${fmt(addKnown)} /s`, `Map.set+delete ${fmt(mapSet)} /s`, (mapSet / addKnown).toFixed(1)])

  const arr = known
  let sink = 0
  const pick = opsPerSec(() => {
    sink += book.pickAddress(30) === undefined ? 0 : 1
  })
  const arrPick = opsPerSec(() => {
    sink += arr[Math.floor(Math.random() * arr.length)]!.port
  })
  rows.push(['pickAddress(30)', `${fmt(pick)} /s`, `random array index ${fmt(arrPick)} /s`, (arrPick / pick).toFixed(1)])

  const sel = opsPerSec(() => {
    sink += book.getSelection().length
  }, 1500, 100)
  const selBias = opsPerSec(() => {
    sink += book.getSelection(30).length
  }, 1500, 100)
  const slice = opsPerSec(() => {
    const start = Math.floor(Math.random() * (arr.length - 250))
    sink += arr.slice(start, start + 250).length
  }, 1500, 100)
  rows.push([`getSelection() (${book.getSelection().length} of ${book.size()})`, `${fmt(sel)} /s`, `array slice of 250 ${fmt(slice)} /s`, (slice / sel).toFixed(1)])
  rows.push(['getSelection(30) (Go GetSelectionWithBias)', `${fmt(selBias)} /s`, `array slice of 250 ${fmt(slice)} /s`, (slice / selBias).toFixed(1)])

  console.log(`# @p2p/addrbook benchmark\n`)
  console.log(`${new Date().toISOString()} · Node ${process.version} · ${cpus()[0]?.model ?? '?'} × ${cpus().length}`)
  console.log(`full book: ${size} addresses (${nNew} new, ${nOld} old)\n`)
  console.log('| figure | @p2p/addrbook | baseline (same run) | cost vs baseline (×) |')
  console.log('| --- | --- | --- | --- |')
  for (const r of rows) console.log(`| ${r.join(' | ')} |`)
  if (sink === -1) console.log(sink)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
