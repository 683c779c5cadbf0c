/**
 * MConnection throughput over the in-memory ByteStream pair, rate limiter off, next to the raw
 * throughput of the pair itself measured in the same run. Besides MB/s (wall clock) it prints MB
 * per CPU-second of this process (both ends run in it), which a loaded machine moves much less:
 * compare trees with that column.
 * Run: `npx tsx packages/transport/bench/mconn-throughput.ts [windowMs] [runs]`.
 */
import os from 'node:os'
import { MConnection } from '../src/mconn/mconnection.js'
import { HandoverStream } from '../src/stream/handover-stream.js'
import { memoryStreamPair } from '../test/helpers/memory-stream.js'

const WINDOW_MS = Number(process.argv[2] ?? 2000)
const WARMUP_MS = 300
const RUNS = Number(process.argv[3] ?? 3)

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Result {
  label: string
  msgs: number
  bytes: number
  ms: number
  /** CPU time of the process during the window, ms. */
  cpuMs: number
}

function cpuMs(since?: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since)
  return (c.user + c.system) / 1000
}

function report(r: Result, base?: number): string {
  const mbps = r.bytes / 1e6 / (r.ms / 1000)
  const mps = r.msgs / (r.ms / 1000)
  const ratio = base === undefined ? '' : `  ${((mbps / base) * 100).toFixed(0).padStart(3)}% of raw (fresh)`
  const perCpu = r.bytes / 1e6 / (r.cpuMs / 1000)
  return `${r.label.padEnd(62)} ${mps.toFixed(0).padStart(9)} msgs/s ${mbps.toFixed(1).padStart(8)} MB/s ${perCpu.toFixed(1).padStart(8)} MB/CPU-s${ratio}`
}

/**
 * The pair alone: a writer that respects backpressure, writing `size`-byte chunks; `fresh`
 * allocates each chunk (as the MConnection hands over its 64 KiB batches), otherwise one buffer
 * is reused (the pair's own cost only).
 */
async function raw(size: number, fresh: boolean): Promise<Result> {
  const [a, b] = memoryStreamPair()
  let bytes = 0
  let msgs = 0
  let counting = false
  b.start({
    onData: (c) => {
      if (counting) {
        bytes += c.length
        msgs++
      }
    },
    onEnd() {}
  })
  let stop = false
  const reused = new Uint8Array(size)
  const pump = async (): Promise<void> => {
    while (!stop) {
      if (!a.write(fresh ? new Uint8Array(size) : reused)) await a.drained()
    }
  }
  const running = pump()
  await sleep(WARMUP_MS)
  counting = true
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  await sleep(WINDOW_MS)
  counting = false
  const ms = performance.now() - t0
  const cpu = cpuMs(c0)
  stop = true
  a.close()
  await running
  return { label: `raw pair, ${size} B writes${fresh ? ', fresh buffers' : ''}`, msgs, bytes, ms, cpuMs: cpu }
}

async function mconn(size: number, channels: number, chunk?: number, handover = false): Promise<Result> {
  const [ra, rb] = memoryStreamPair(chunk === undefined ? {} : { maxChunk: chunk })
  // As the upgrade hands a stream over after the NodeInfo exchange (for a secure stream that
  // is not our SecretConnection).
  const [sa, sb] = handover ? [new HandoverStream(ra), new HandoverStream(rb)] : [ra, rb]
  const descs = Array.from({ length: channels }, (_, i) => ({ id: 0x20 + i, priority: 1 + i, sendQueueCapacity: 100 }))
  const init = { sendRate: 0, recvRate: 0 }
  const a = new MConnection(sa, descs, init)
  const b = new MConnection(sb, descs, init)
  let msgs = 0
  let bytes = 0
  let counting = false
  a.start({ onReceive() {}, onClose() {} })
  b.start({
    onReceive: (_ch, m) => {
      if (counting) {
        msgs++
        bytes += m.length
      }
    },
    onClose() {}
  })
  let stop = false
  const payload = new Uint8Array(size).fill(7)
  const pump = async (ch: number): Promise<void> => {
    while (!stop) {
      if (!a.trySend(ch, payload)) {
        if (!(await a.send(ch, payload))) break
      }
    }
  }
  const pumps = descs.map((d) => pump(d.id))
  await sleep(WARMUP_MS)
  counting = true
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  await sleep(WINDOW_MS)
  counting = false
  const ms = performance.now() - t0
  const cpu = cpuMs(c0)
  stop = true
  await Promise.all([a.close(), b.close()])
  await Promise.all(pumps)
  const how = `${chunk === undefined ? '' : `, ${chunk} B chunks`}${handover ? ', via HandoverStream' : ''}`
  return { label: `MConnection ${size} B x ${channels} ch${how}`, msgs, bytes, ms, cpuMs: cpu }
}

async function median(run: () => Promise<Result>): Promise<Result> {
  const runs: Result[] = []
  for (let i = 0; i < RUNS; i++) runs.push(await run())
  runs.sort((x, y) => x.bytes / x.cpuMs - y.bytes / y.cpuMs)
  return runs[Math.floor(runs.length / 2)] as Result
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x ${os.cpus().length}, ${new Date().toISOString()}`)
console.log(`median of ${RUNS} windows of ${WINDOW_MS} ms after ${WARMUP_MS} ms warm-up; rate limiter off; flush throttle 100 ms\n`)
console.log(report(await median(() => raw(65_536, false))))
const rawFresh = await median(() => raw(65_536, true))
console.log(report(rawFresh))
const base = rawFresh.bytes / 1e6 / (rawFresh.ms / 1000)
for (const size of [256, 4096, 65_536]) {
  for (const channels of [1, 4]) console.log(report(await median(() => mconn(size, channels)), base))
}
// Reads re-split into 1024-byte chunks, as a SecretConnection delivers one frame at a time.
for (const size of [256, 4096, 65_536]) console.log(report(await median(() => mconn(size, 1, 1024)), base))
// Through a HandoverStream, as the upgrade hands a stream over.
for (const size of [256, 4096]) console.log(report(await median(() => mconn(size, 1, 1024, true)), base))
