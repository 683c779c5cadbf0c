import { TimeoutError } from '@p2p/types'
import type { ByteStream } from '../byte-stream.js'

/** Go's `minWriteBufferSize`: packets are batched up to this many bytes per stream write. */
export const WRITE_BUFFER_SIZE = 65_536

/** `buf` while no batch buffer is held: every `fits` fails, so writers call `reserve` first. */
const RELEASED = new Uint8Array(0)

/**
 * The send side's batching buffer (Go's 64 KiB `bufio.Writer` plus its flush `ThrottleTimer`).
 * Packets are encoded straight into `buf`; the bytes reach the stream when the buffer fills,
 * `flushThrottleMs` ms after the first unflushed packet, or on an explicit `flush()`. Ownership of
 * flushed bytes passes to the stream (it may queue them), so a large flush hands over the buffer
 * and a small flush hands over a copy.
 *
 * Unlike Go's, the buffer is held only while there is something to send: it is allocated by
 * `reserve` for the first packet, not replaced after a large flush until the next packet needs
 * it, and dropped after a small flush that leaves the connection idle (`idle()`: nothing queued
 * on any channel). An idle connection then holds no batch buffer, which is most of its memory;
 * under load the buffer is reused or handed over exactly as before.
 */
export class WriteBuffer {
  /** The batch being filled; empty while released (call `reserve` when `fits` fails). */
  buf: Uint8Array = RELEASED
  len = 0
  /** Bytes handed to the stream so far. */
  bytesWritten = 0
  /** The stream asked us to wait for `drained()`. */
  blocked = false

  private readonly stream: ByteStream
  private readonly flushThrottleMs: number
  private readonly size: number
  private readonly idle: () => boolean
  private readonly onDrained: () => void
  private readonly onError: (err: unknown) => void
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private stallTimer: ReturnType<typeof setTimeout> | undefined
  /** Control packets (a ping, a pong) waiting for the stream to drain; at most one of each. */
  private readonly deferred: Uint8Array[] = []
  private stopped = false

  private readonly stallTimeoutMs: number

  /**
   * @param idle - true when nothing is queued to send (then a flush releases the buffer)
   * @param stallTimeoutMs - a stream that stays blocked this long fails with `TimeoutError`
   *   (phase `send`): the peer stopped reading. 0 disables it.
   * @param size - the batch size; at least twice the largest packet written through `reserve`
   */
  constructor(
    stream: ByteStream,
    flushThrottleMs: number,
    idle: () => boolean,
    onDrained: () => void,
    onError: (err: unknown) => void,
    stallTimeoutMs = 0,
    size = WRITE_BUFFER_SIZE
  ) {
    this.stream = stream
    this.flushThrottleMs = flushThrottleMs
    this.idle = idle
    this.onDrained = onDrained
    this.onError = onError
    this.stallTimeoutMs = stallTimeoutMs
    this.size = size
  }

  /** True when `n` more bytes fit without flushing (false while the buffer is released). */
  fits(n: number): boolean {
    return this.len + n <= this.buf.length
  }

  /**
   * Makes room for `n` (at most half the batch size) more bytes after `fits(n)` failed: flushes
   * what is buffered, then allocates the buffer if none is held. Returns true if it flushed. Once
   * stopped (a failed flush stops the connection) nothing is allocated: callers check and bail.
   */
  reserve(n: number): boolean {
    let flushed = false
    if (this.len > 0 && !this.fits(n)) {
      this.flush()
      flushed = true
    }
    if (this.buf.length === 0 && !this.stopped) this.buf = new Uint8Array(this.size)
    return flushed
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
    this.len = 0
    // Nowhere to go; the stream's onEnd stops the connection.
    if (this.stream.closed) return
    let out: Uint8Array
    if (n >= this.buf.length >>> 1) {
      // The next packet allocates a new buffer; if none follows, none is allocated.
      out = this.buf.subarray(0, n)
      this.buf = RELEASED
    } else {
      out = this.buf.slice(0, n)
      if (this.idle()) this.buf = RELEASED
    }
    this.handOver(out)
  }

  /**
   * Writes `packet` (a ping or pong, which Go flushes at once) after what is buffered, and
   * flushes. With nothing buffered it goes out alone, without allocating the batch buffer.
   * While the stream is blocked the packet waits for `drained` instead, and the same packet
   * (compared by identity: the shared PING/PONG constants) waits at most once: a peer that
   * pings and never reads costs us one pending pong, not one per ping.
   */
  writeNow(packet: Uint8Array): void {
    if (this.stopped) return
    if (this.blocked) {
      if (!this.deferred.includes(packet)) this.deferred.push(packet)
      return
    }
    if (this.len > 0 && this.fits(packet.length)) {
      this.buf.set(packet, this.len)
      this.len += packet.length
      this.flush()
      return
    }
    this.flush()
    // A failed flush stops the connection.
    if (!this.stopped) this.handOver(packet.slice())
  }

  private handOver(out: Uint8Array): void {
    if (this.stream.closed) return
    this.bytesWritten += out.length
    let ok: boolean
    try {
      ok = this.stream.write(out)
    } catch (err) {
      this.onError(err)
      return
    }
    if (!ok && !this.blocked) {
      this.blocked = true
      if (this.stallTimeoutMs > 0) {
        this.stallTimer = setTimeout(() => {
          this.stallTimer = undefined
          this.onError(new TimeoutError('send', this.stallTimeoutMs, `peer stopped reading: nothing drained for ${this.stallTimeoutMs} ms`))
        }, this.stallTimeoutMs)
      }
      this.stream.drained().then(
        () => {
          this.blocked = false
          this.clearStallTimer()
          if (this.stopped) return
          for (const packet of this.deferred.splice(0)) this.writeNow(packet)
          this.onDrained()
        },
        () => {
          // The stream failed; its onEnd reports why.
        }
      )
    }
  }

  private clearStallTimer(): void {
    if (this.stallTimer !== undefined) {
      clearTimeout(this.stallTimer)
      this.stallTimer = undefined
    }
  }

  /** Stops the flush timer; buffered bytes are dropped and the buffer released. */
  stop(): void {
    this.stopped = true
    this.clearStallTimer()
    this.deferred.length = 0
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer)
      this.flushTimer = undefined
    }
    this.len = 0
    this.buf = RELEASED
  }
}
