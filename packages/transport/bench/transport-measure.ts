/**
 * The throughput method shared by transport-throughput.ts and transport-vs-go.ts.
 *
 * A sender keeps the pipe full (MConnection: every channel's send queue, with `trySend` and,
 * when full, an awaited `send`; SecretConnection: `write` until it asks for `drained()`). The
 * receiver counts messages and bytes as they arrive. After a warm-up, the receiver's counters are
 * read at the start and end of `runs` fixed windows and the median window is reported. Then the
 * sender stops and the run waits until the receiver has everything the sender queued (the totals
 * must match, or the run fails), so no window counts bytes that would not have arrived.
 */
import type { ChannelDescriptor, PeerConnection } from '@p2p/types'
import type { AeadBackend } from '../src/index.js'
import { connectPair, median, secretPair, sleep, startTransport } from './transport-common.js'

export interface Window {
  msgs: number
  bytes: number
  ms: number
}

export interface Throughput {
  label: string
  msgsPerS: number
  mbPerS: number
  /** MB/s of every window, in order (the spread shows the noise). */
  windows: number[]
}

export interface MeasureOptions {
  warmupMs: number
  windowMs: number
  runs: number
}

export interface Counter {
  msgs: number
  bytes: number
}

/** Warm-up, then `runs` windows read from the receiver's counters; the median window. */
export async function timeWindows(label: string, recv: Counter, o: MeasureOptions): Promise<Throughput> {
  await sleep(o.warmupMs)
  const windows: Window[] = []
  for (let i = 0; i < o.runs; i++) {
    const m0 = recv.msgs
    const b0 = recv.bytes
    const t0 = performance.now()
    await sleep(o.windowMs)
    windows.push({ msgs: recv.msgs - m0, bytes: recv.bytes - b0, ms: performance.now() - t0 })
  }
  const mb = windows.map((w) => w.bytes / 1e6 / (w.ms / 1000))
  const mid = median(mb)
  const w = windows[mb.indexOf(mid)] as Window
  return { label, msgsPerS: w.msgs / (w.ms / 1000), mbPerS: mid, windows: mb }
}

/** Waits until the receiver has all `sent` bytes; fails if it does not within `ms`. */
export async function settle(label: string, sent: Counter, recv: Counter, ms = 15_000): Promise<void> {
  const until = performance.now() + ms
  while (recv.bytes < sent.bytes && performance.now() < until) await sleep(2)
  if (recv.bytes !== sent.bytes || recv.msgs !== sent.msgs) {
    throw new Error(`${label}: receiver got ${recv.msgs} msgs / ${recv.bytes} B of ${sent.msgs} / ${sent.bytes} sent`)
  }
}

/**
 * MConnection over encrypted loopback TCP: two tcpTransports in this process, the full upgrade
 * (SecretConnection, NodeInfo, MConnection), `size`-byte messages on `channels` channels.
 */
export async function mconnThroughput(size: number, channels: number, aead: AeadBackend, o: MeasureOptions): Promise<Throughput> {
  const ids = Array.from({ length: channels }, (_, i) => 0x20 + i)
  const [ta, tb] = await Promise.all([startTransport(ids, aead), startTransport(ids, aead)])
  const { out, inb } = await connectPair(ta, tb)
  // Equal priorities: the channels share the connection evenly. Capacity 100 (Go's default is
  // 1) so that the queue never runs dry between the sender's turns on the event loop.
  const descs: ChannelDescriptor[] = ids.map((id) => ({ id, priority: 5, sendQueueCapacity: 100 }))
  const sent: Counter = { msgs: 0, bytes: 0 }
  const recv: Counter = { msgs: 0, bytes: 0 }
  let closed: Error | undefined
  const onClose = (e?: Error): void => {
    closed ??= e ?? new Error('closed')
  }
  out.start(descs, { onReceive() {}, onClose })
  inb.start(descs, {
    onReceive: (_ch, m) => {
      recv.msgs++
      recv.bytes += m.length
    },
    onClose
  })
  const payload = new Uint8Array(size).fill(0xa5)
  let stop = false
  const pump = async (conn: PeerConnection, ch: number): Promise<void> => {
    while (!stop) {
      if (!conn.trySend(ch, payload) && !(await conn.send(ch, payload))) break
      sent.msgs++
      sent.bytes += size
    }
  }
  const pumps = ids.map((ch) => pump(out, ch))
  const label = mconnLabel(size, channels)
  try {
    const result = await timeWindows(label, recv, o)
    stop = true
    await Promise.all(pumps)
    await settle(label, sent, recv)
    if (closed !== undefined && closed.message !== 'closed') throw closed
    return result
  } finally {
    stop = true
    await Promise.all([ta.stop(), tb.stop()])
  }
}

/**
 * The SecretConnection alone over a loopback socket pair (real handshake): `size`-byte writes,
 * the receiver counts decrypted bytes. `msgsPerS` counts writes.
 */
export async function secretThroughput(size: number, aead: AeadBackend, o: MeasureOptions): Promise<Throughput> {
  const { a, b, close } = await secretPair(aead)
  const sent: Counter = { msgs: 0, bytes: 0 }
  const recv: Counter = { msgs: 0, bytes: 0 }
  b.start({
    onData: (chunk) => {
      recv.bytes += chunk.length
      // Writes have no boundaries on the wire; count whole writes received.
      recv.msgs = Math.floor(recv.bytes / size)
    },
    onEnd() {}
  })
  a.start({ onData() {}, onEnd() {} })
  const payload = new Uint8Array(size).fill(0xa5)
  let stop = false
  const pump = async (): Promise<void> => {
    while (!stop) {
      sent.msgs++
      sent.bytes += size
      if (!a.write(payload)) await a.drained()
    }
  }
  const running = pump()
  const label = secretLabel(size)
  try {
    const result = await timeWindows(label, recv, o)
    stop = true
    await running
    await settle(label, sent, recv)
    return result
  } finally {
    stop = true
    await close()
  }
}

export const mconnLabel = (size: number, channels: number): string => `MConnection ${sizeName(size)} x ${channels} ch`
export const secretLabel = (size: number): string => `SecretConnection ${sizeName(size)} writes`

export function sizeName(size: number): string {
  if (size >= 1 << 20 && size % (1 << 20) === 0) return `${size >> 20} MiB`
  if (size >= 1024 && size % 1024 === 0) return `${size >> 10} KiB`
  return `${size} B`
}

export function row(r: Throughput, extra = ''): string {
  const spread = r.windows.map((w) => w.toFixed(0)).join('/')
  return `${r.label.padEnd(34)} ${r.msgsPerS.toFixed(0).padStart(9)} msgs/s ${r.mbPerS.toFixed(1).padStart(7)} MB/s  [${spread}]${extra}`
}
