/**
 * CPU to set up and tear down an MConnection pair, without the handshake: both ends are built by
 * the transport's factory (`mconnection(init)`, options resolved as a transport does) over a
 * minimal stream, with the 6 channels of a typical node, started, then one side closes (the
 * other sees the end), optionally after one small message each way. Median of `--runs` windows
 * of `--pairs` pairs; `process.cpuUsage()` per pair.
 * Run: npx tsx packages/transport/bench/mconn-setup.ts [--pairs=20000] [--runs=5] [--message]
 */
import type { ByteStream, ByteStreamHandlers } from '../src/byte-stream.js'
import { mconnection } from '../src/mconn/index.js'

const arg = (name: string, d: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d)
const PAIRS = arg('pairs', 20_000)
const RUNS = arg('runs', 5)
const MESSAGE = process.argv.includes('--message')

/** A stream pair that delivers synchronously: only the MConnection's own work is measured. */
class SyncStream implements ByteStream {
  peer!: SyncStream
  handlers: ByteStreamHandlers | undefined
  closed = false
  start(h: ByteStreamHandlers): void {
    this.handlers = h
  }
  write(data: Uint8Array): boolean {
    if (!this.closed) this.peer.handlers?.onData(data)
    return true
  }
  drained(): Promise<void> {
    return Promise.resolve()
  }
  pause(): void {}
  resume(): void {}
  close(): void {
    if (this.closed) return
    this.closed = true
    this.handlers?.onEnd()
    if (!this.peer.closed) {
      this.peer.closed = true
      this.peer.handlers?.onEnd()
    }
  }
}

const CHANNELS = [
  { id: 0x00, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: 64_000 },
  { id: 0x20, priority: 6, sendQueueCapacity: 100 },
  { id: 0x21, priority: 10, sendQueueCapacity: 100 },
  { id: 0x22, priority: 7, sendQueueCapacity: 100 },
  { id: 0x30, priority: 5, sendQueueCapacity: 100 },
  { id: 0x38, priority: 5, sendQueueCapacity: 100 }
]
const mux = mconnection({ sendRate: 5_120_000, recvRate: 5_120_000 })
const noop = { onReceive() {}, onClose() {} }
const msg = Uint8Array.of(0x0a, 0x00)

async function onePair(): Promise<void> {
  const a = new SyncStream()
  const b = new SyncStream()
  a.peer = b
  b.peer = a
  // The switch builds a new descriptor array per peer.
  const ca = mux(a, [...CHANNELS])
  const cb = mux(b, [...CHANNELS])
  ca.start(noop)
  cb.start(noop)
  if (MESSAGE) {
    ca.trySend(0x00, msg)
    cb.trySend(0x00, msg)
    await ca.close({ flush: true })
  } else {
    await ca.close()
  }
  await cb.close()
}

async function window(n: number): Promise<number> {
  const c0 = process.cpuUsage()
  for (let i = 0; i < n; i++) await onePair()
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / n
}

await window(PAIRS)
const rs: number[] = []
for (let r = 0; r < RUNS; r++) rs.push(await window(PAIRS))
rs.sort((x, y) => x - y)
const med = rs[Math.floor(rs.length / 2)] as number
console.log(`mconn set-up${MESSAGE ? ' + 1 message each way + flushing close' : ' + close'}, ${RUNS} x ${PAIRS} pairs: CPU µs/pair ${med.toFixed(2)} [${(rs[0] as number).toFixed(2)}–${(rs[rs.length - 1] as number).toFixed(2)}]`)
