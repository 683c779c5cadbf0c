import type { ByteStream } from '../byte-stream.js'

/** Go's `minWriteBufferSize`: packets are batched up to this many bytes per stream write. */
export const WRITE_BUFFER_SIZE = 65_536

/**
 * The send side's batching buffer (Go's 64 KiB `bufio.Writer` plus its flush `ThrottleTimer`).
 * Packets are encoded straight into `buf`; the bytes reach the stream when the buffer fills,
 * `flushThrottleMs` ms after the first unflushed packet, or on an explicit `flush()`. Ownership of
 * flushed bytes passes to the stream (it may queue them), so a large flush hands over the buffer
 * and allocates a new one, and a small flush hands over a copy.
 */
export class WriteBuffer {
  buf: Uint8Array
  len = 0
  /** Bytes handed to the stream so far. */
  bytesWritten = 0
  /** The stream asked us to wait for `drained()`. */
  blocked = false

  private readonly stream: ByteStream
  private readonly flushThrottleMs: number
  private readonly onDrained: () => void
  private readonly onError: (err: unknown) => void
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor(
    stream: ByteStream,
    flushThrottleMs: number,
    onDrained: () => void,
    onError: (err: unknown) => void,
    size = WRITE_BUFFER_SIZE
  ) {
    this.stream = stream
    this.flushThrottleMs = flushThrottleMs
    this.onDrained = onDrained
    this.onError = onError
    this.buf = new Uint8Array(size)
  }

  /** True when `n` more bytes fit without flushing. */
  fits(n: number): boolean {
    return this.len + n <= this.buf.length
  }

  /** Arms the throttled flush after something was written (Go's `flushTimer.Set()`). */
  schedule(): void {
    if (this.flushTimer !== undefined || this.stopped || this.len === 0) return
    if (this.flushThrottleMs === 0) {
      this.flush()
      return
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      this.flush()
    }, this.flushThrottleMs)
  }

  /** Hands the buffered bytes to the stream now. */
  flush(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    const n = this.len
    if (n === 0 || this.stopped) return
    if (this.stream.closed) {
      // Nowhere to go; the stream's onEnd stops the connection.
      this.len = 0
      return
    }
    let out: Uint8Array
    if (n >= this.buf.length >>> 1) {
      out = this.buf.subarray(0, n)
      this.buf = new Uint8Array(this.buf.length)
    } else {
      out = this.buf.slice(0, n)
    }
    this.len = 0
    this.bytesWritten += n
    let ok: boolean
    try {
      ok = this.stream.write(out)
    } catch (err) {
      this.onError(err)
      return
    }
    if (!ok && !this.blocked) {
      this.blocked = true
      this.stream.drained().then(
        () => {
          this.blocked = false
          if (!this.stopped) this.onDrained()
        },
        () => {
          // The stream failed; its onEnd reports why.
        }
      )
    }
  }

  /** Stops the flush timer; buffered bytes are dropped. */
  stop(): void {
    this.stopped = true
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    this.len = 0
  }
}
