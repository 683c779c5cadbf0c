import { TimeoutError } from '@p2p/types'
import type { ByteStream } from '../byte-stream.js'

/** Go's `minWriteBufferSize`: packets are batched up to this many bytes per stream write. */
export const WRITE_BUFFER_SIZE = 65_536
/** The first batch after an idle period: a few packets (grows to {@link WRITE_BUFFER_SIZE} under load). */
export const INITIAL_WRITE_BUFFER_SIZE = 4096

/**
 * What a {@link WriteBuffer} tells the one writer that fills it (the {@link SendLoop}); nothing
 * else hears from it.
 */
export interface WriteBufferListener {
  /** True when nothing is queued to send anywhere: a flush may release the batch buffer. */
  idle(): boolean
  /** The stream pushed back: nothing more is written until `drained`. */
  blocked(): void
  /** The stream drained after pushing back: writing may go on. */
  drained(): void
  /** A write threw, or the stream stayed blocked past the stall timeout: the path is dead. */
  failed(err: unknown): void
}

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
 * under load the buffer is reused or handed over exactly as before. The first batch after an idle
 * period is small (`initialSize`) and grows ×4 (copied) while it fills up, to `size`: a message
 * now and then costs a few KiB, a burst still leaves in batches of `size`.
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
  /** The first batch after an idle period. */
  private readonly initialSize: number
  /** Size of the next batch allocated: that of the last one handed over, `initialSize` after idle. */
  private nextSize: number
  private readonly listener: WriteBufferListener
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private stallTimer: ReturnType<typeof setTimeout> | undefined
  /** Control packets (a ping, a pong) waiting for the stream to drain; at most one of each. */
  private readonly deferred: Uint8Array[] = []
  private stopped = false

  private readonly stallTimeoutMs: number

  /**
   * @param stallTimeoutMs - a stream that stays blocked this long fails with `TimeoutError`
   *   (phase `send`): the peer stopped reading. 0 disables it.
   * @param size - the batch size; at least twice the largest packet written through `reserve`
   * @param initialSize - the first batch after an idle period (also at least twice the largest
   *   packet): a connection that sends a message now and then never allocates `size` bytes
   *   (zeroing 64 KiB was half the CPU of a short connection's one exchange); a batch that fills
   *   up grows ×4 up to `size`
   */
  constructor(
    stream: ByteStream,
    flushThrottleMs: number,
    listener: WriteBufferListener,
    stallTimeoutMs = 0,
    size = WRITE_BUFFER_SIZE,
    initialSize = size
  ) {
    this.stream = stream
    this.flushThrottleMs = flushThrottleMs
    this.listener = listener
    this.stallTimeoutMs = stallTimeoutMs
    this.size = size
    this.initialSize = this.nextSize = Math.min(initialSize, size)
  }

  /** True when `n` more bytes fit without flushing (false while the buffer is released). */
  fits(n: number): boolean {
    return this.len + n <= this.buf.length
  }

  /**
   * Makes room for `n` (at most half the initial batch size) more bytes after `fits(n)` failed:
   * grows a batch smaller than `size`, else flushes it; allocates the buffer if none is held. Returns true if it flushed. Once
   * stopped (a failed flush stops the connection) nothing is allocated: callers check and bail.
   */
  reserve(n: number): boolean {
    let flushed = false
    if (this.len > 0 && !this.fits(n)) {
      if (this.buf.length < this.size) {
        // A small batch filled up: grow it (a copy of a few KiB) instead of writing it, so a
        // burst still leaves in batches of `size`.
        const grown = new Uint8Array(Math.min(this.size, this.buf.length * 4))
        grown.set(this.buf.subarray(0, this.len))
        this.buf = grown
        return false
      }
      this.flush()
      flushed = true
    }
    if (this.buf.length === 0 && !this.stopped) this.buf = new Uint8Array(this.nextSize)
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
      // The next batch is as large as this one (a stream goes on at full size).
      this.nextSize = this.buf.length
      this.buf = RELEASED
    } else {
      out = this.buf.slice(0, n)
      if (this.listener.idle()) {
        this.buf = RELEASED
        this.nextSize = this.initialSize
      }
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
      this.listener.failed(err)
      return
    }
    if (!ok && !this.blocked) {
      this.blocked = true
      this.listener.blocked()
      if (this.stallTimeoutMs > 0) {
        this.stallTimer = setTimeout(() => {
          this.stallTimer = undefined
          this.listener.failed(new TimeoutError('send', this.stallTimeoutMs, `peer stopped reading: nothing drained for ${this.stallTimeoutMs} ms`))
        }, this.stallTimeoutMs)
      }
      this.stream.drained().then(
        () => {
          this.blocked = false
          this.clearStallTimer()
          if (this.stopped) return
          for (const packet of this.deferred.splice(0)) this.writeNow(packet)
          this.listener.drained()
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
