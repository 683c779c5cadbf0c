import type { ByteStream, ByteStreamHandlers } from '../../src/byte-stream.js'

export interface MemoryStreamOptions {
  /**
   * Re-split every write into chunks of at most this many bytes, as TCP segments a stream.
   * Default: deliver each write as written.
   */
  maxChunk?: number
  /** With `maxChunk`: random chunk sizes in 1..maxChunk from this seed, instead of fixed ones. */
  seed?: number
  /** Deliver everything pending as one chunk per delivery (TCP coalescing); copies. */
  coalesce?: boolean
  /** `write` returns false once the peer has this many undelivered bytes. Default 65536. */
  highWaterMark?: number
  /** Framing cost per delivered chunk: `onData` is told `chunk.length + wireOverhead` wire bytes. */
  wireOverhead?: number
}

/** Small deterministic PRNG (mulberry32) so chunkings are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * One end of an in-memory {@link ByteStream} pair. Writes land in the peer's inbox and are
 * delivered on a later macrotask (`setImmediate`), like socket reads. Backpressure: `write`
 * returns false while the peer holds `highWaterMark` or more undelivered bytes, and `drained`
 * resolves once they are delivered. `hold()` models an application that stops reading.
 */
export class MemoryByteStream implements ByteStream {
  peer!: MemoryByteStream
  /** Bytes passed to `write`. */
  bytesWritten = 0
  /** Number of `write` calls. */
  writes = 0
  /** Number of chunks delivered to `onData`. */
  chunksDelivered = 0

  private handlers: ByteStreamHandlers | undefined
  private readonly inbox: Uint8Array[] = []
  private inboxHead = 0
  inboxBytes = 0
  private paused = false
  private held = false
  private isClosed = false
  /** The peer closed: deliver what is left, then end. */
  private peerEnded = false
  private endReported = false
  private localEndError: Error | undefined
  private localEnd = false
  private immediate: ReturnType<typeof setImmediate> | undefined
  private drainWaiters: Array<() => void> = []
  private readonly split: (() => number) | undefined

  constructor(private readonly options: MemoryStreamOptions = {}) {
    const max = options.maxChunk
    if (max !== undefined) {
      const random = options.seed === undefined ? undefined : prng(options.seed)
      this.split = random === undefined ? () => max : () => 1 + Math.floor(random() * max)
    }
  }

  get closed(): boolean {
    return this.isClosed
  }

  private get highWaterMark(): number {
    return this.options.highWaterMark ?? 65_536
  }

  start(handlers: ByteStreamHandlers): void {
    if (this.handlers !== undefined) throw new Error('memory stream already started')
    this.handlers = handlers
    this.schedule()
  }

  write(data: Uint8Array): boolean {
    const peer = this.peer
    if (this.isClosed || peer.isClosed) return false
    this.bytesWritten += data.length
    this.writes++
    if (data.length === 0) return true
    const next = this.split
    if (next === undefined) {
      peer.enqueue(data)
    } else {
      for (let off = 0; off < data.length; ) {
        const n = Math.min(next(), data.length - off)
        peer.enqueue(data.subarray(off, off + n))
        off += n
      }
    }
    peer.schedule()
    return peer.inboxBytes < this.highWaterMark
  }

  drained(): Promise<void> {
    if (this.peer.inboxBytes === 0 || this.isClosed || this.peer.isClosed) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    this.schedule()
  }

  /** Test control: stop delivering to this end (its application stopped reading). */
  hold(): void {
    this.held = true
  }

  release(): void {
    this.held = false
    this.schedule()
  }

  close(error?: Error): void {
    if (this.isClosed) return
    this.isClosed = true
    this.localEnd = true
    this.localEndError = error
    // Unread input is lost, like a socket's receive buffer.
    this.inbox.length = 0
    this.inboxHead = 0
    this.inboxBytes = 0
    this.releaseDrainWaiters()
    this.peer.releaseDrainWaiters()
    this.peer.peerEnded = true
    this.peer.schedule()
    this.schedule()
  }

  private enqueue(chunk: Uint8Array): void {
    this.inbox.push(chunk)
    this.inboxBytes += chunk.length
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const resolve of waiters) resolve()
  }

  private schedule(): void {
    if (this.immediate !== undefined || this.handlers === undefined || this.endReported) return
    this.immediate = setImmediate(() => {
      this.immediate = undefined
      this.deliver()
    })
  }

  private deliver(): void {
    const handlers = this.handlers
    if (handlers === undefined || this.endReported) return
    if (this.localEnd) {
      this.endReported = true
      handlers.onEnd(this.localEndError)
      return
    }
    while (!this.paused && !this.held && this.inboxHead < this.inbox.length && !this.isClosed) {
      let chunk: Uint8Array
      if (this.options.coalesce === true && this.inbox.length - this.inboxHead > 1) {
        chunk = new Uint8Array(this.inboxBytes)
        let off = 0
        for (let i = this.inboxHead; i < this.inbox.length; i++) {
          const c = this.inbox[i] as Uint8Array
          chunk.set(c, off)
          off += c.length
        }
        this.inbox.length = 0
        this.inboxHead = 0
      } else {
        chunk = this.inbox[this.inboxHead++] as Uint8Array
        if (this.inboxHead === this.inbox.length) {
          this.inbox.length = 0
          this.inboxHead = 0
        }
      }
      this.inboxBytes -= chunk.length
      this.chunksDelivered++
      if (this.inboxBytes === 0) this.peer.releaseDrainWaiters()
      const overhead = this.options.wireOverhead
      if (overhead === undefined) handlers.onData(chunk)
      else handlers.onData(chunk, chunk.length + overhead)
    }
    if (this.isClosed) {
      if (!this.endReported && this.localEnd) this.schedule()
      return
    }
    if (this.peerEnded && this.inboxBytes === 0 && !this.endReported) {
      this.endReported = true
      this.isClosed = true
      this.releaseDrainWaiters()
      handlers.onEnd()
    }
  }

  /** True while a delivery is scheduled (for leak checks). */
  get busy(): boolean {
    return this.immediate !== undefined
  }
}

/** Two connected in-memory byte streams: what `a` writes, `b` receives, and back. */
export function memoryStreamPair(options: MemoryStreamOptions = {}, optionsB: MemoryStreamOptions = options): [MemoryByteStream, MemoryByteStream] {
  const a = new MemoryByteStream(options)
  const b = new MemoryByteStream(optionsB)
  a.peer = b
  b.peer = a
  return [a, b]
}

/** What a raw (non-MConnection) end of a pair has received. */
export interface Collector {
  readonly chunks: Uint8Array[]
  /** Everything received, joined. */
  bytes(): Uint8Array
  readonly ended: boolean
  readonly endError: Error | undefined
  /** Resolves once at least `n` bytes have arrived (or the stream ended). */
  waitFor(n: number): Promise<void>
}

/** Starts `stream` and records what arrives, for tests that play a raw peer. */
export function collect(stream: ByteStream): Collector {
  const chunks: Uint8Array[] = []
  let total = 0
  let ended = false
  let endError: Error | undefined
  let waiters: Array<{ n: number; resolve: () => void }> = []
  const check = (): void => {
    const ready = waiters.filter((w) => ended || total >= w.n)
    waiters = waiters.filter((w) => !(ended || total >= w.n))
    for (const w of ready) w.resolve()
  }
  stream.start({
    onData(chunk) {
      chunks.push(chunk.slice())
      total += chunk.length
      check()
    },
    onEnd(error) {
      ended = true
      endError = error
      check()
    }
  })
  return {
    chunks,
    bytes: () => {
      const out = new Uint8Array(total)
      let off = 0
      for (const c of chunks) {
        out.set(c, off)
        off += c.length
      }
      return out
    },
    get ended() {
      return ended
    },
    get endError() {
      return endError
    },
    waitFor(n) {
      return new Promise((resolve) => {
        waiters.push({ n, resolve })
        check()
      })
    }
  }
}

/**
 * A {@link ByteStream} the test drives by hand (`push`, `end`), synchronously: records what is
 * written and the pause / close state. Writes are always accepted. For the pair with delivery
 * and backpressure, use {@link memoryStreamPair}.
 */
export class ScriptedByteStream implements ByteStream {
  handlers: ByteStreamHandlers | undefined
  readonly written: Uint8Array[] = []
  paused = false
  closed = false
  closeReason: Error | undefined

  start(handlers: ByteStreamHandlers): void {
    this.handlers = handlers
  }

  /** Delivers `bytes` (a hex string or a byte array) to `onData`. */
  push(bytes: string | Uint8Array | readonly number[]): void {
    const chunk = typeof bytes === 'string' ? Uint8Array.from(Buffer.from(bytes, 'hex')) : Uint8Array.from(bytes)
    this.handlers?.onData(chunk)
  }

  end(error?: Error): void {
    this.handlers?.onEnd(error)
  }

  write(data: Uint8Array): boolean {
    this.written.push(data)
    return true
  }

  drained(): Promise<void> {
    return Promise.resolve()
  }

  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
  }

  close(error?: Error): void {
    this.closed = true
    this.closeReason = error
  }
}
