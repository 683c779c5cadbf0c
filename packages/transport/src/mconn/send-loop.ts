import type { ByteStream } from '../byte-stream.js'
import type { Channel } from './channel.js'
import { asConnectionError } from './errors.js'
import { FlowRate, isUnlimitedRate } from './flow-rate.js'
import type { MConnection } from './mconnection.js'
import { type MConnectionMetrics, SEND } from './metrics.js'
import { decayRecentlySent, pickChannel, RECENTLY_SENT_DECAY_PERIOD_MS } from './send-scheduler.js'
import { INITIAL_WRITE_BUFFER_SIZE, WRITE_BUFFER_SIZE, WriteBuffer, type WriteBufferListener } from './write-buffer.js'

/** Go's `numBatchPacketMsgs`: packets written per rate-limiter check. */
export const PACKETS_PER_BATCH = 10

/** All the MConnection uses of its send path. */
export interface Sender {
  /** Bytes handed to the stream so far. */
  readonly bytesWritten: number
  /** Schedules a run after something was queued on a channel; cheap to call after every enqueue. */
  wake(): void
  /** Writes a ping or pong now, ahead of queued messages and outside the rate limit. */
  writeControl(packet: Uint8Array): void
  /** Applies the `recentlySent` decay due by now (before reading the channels' figures). */
  applyDecay(): void
  /** Writes everything queued, then resolves once it is handed to the stream (Go's `FlushStop`). */
  flushAll(): Promise<void>
  /** Stops for good: timers cleared, buffered bytes dropped. */
  stop(): void
}

export interface SendLoopInit {
  readonly channels: readonly Channel[]
  readonly stream: ByteStream
  /** Bytes/s; 0 or Infinity disables the limiter. */
  readonly sendRate: number
  /** Largest delimited packet a channel writes. */
  readonly maxDelimitedSize: number
  readonly flushThrottleMs: number
  readonly stallTimeoutMs: number
  /** The batch buffer's size under load, and after an idle period (see {@link WriteBuffer}). */
  readonly bufferSize: number
  readonly initialBufferSize: number
  readonly now: () => number
  /** Origin of the `recentlySent` decay clock: when the connection started (Go's stats ticker). */
  readonly startedAt: number
  readonly metrics: MConnectionMetrics | undefined
  /** The one report upwards: the path failed (a write threw, or the peer stopped reading). */
  readonly onFailure: (error: Error) => void
}

/**
 * Go's `sendRoutine` on an event loop, with its `bufio.Writer` ({@link WriteBuffer}) which only it
 * fills. A wake-up (a microtask, coalesced) checks the send rate limiter, then writes batches of
 * up to 10 packets from the channel with the least `recentlySent / priority` into the write
 * buffer, until nothing is pending, the stream pushes back, the limiter asks for a pause (a timer
 * wakes us), or the buffer was flushed (we yield to I/O with `setImmediate`, as Go's loop
 * re-signals itself). Pings and pongs skip the limiter.
 */
export class SendLoop implements Sender, WriteBufferListener {
  private readonly init: SendLoopInit
  private readonly out: WriteBuffer
  private readonly monitor: FlowRate | undefined
  private decaySteps = 0
  /** A run is queued (microtask or immediate) or under way. */
  private scheduled = false
  private immediate: ReturnType<typeof setImmediate> | undefined
  private rateTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  /** Set by `flushAll`: called once everything queued is handed to the stream. */
  private drainedAll: (() => void) | undefined
  /** When the stream started pushing back (for the blocked-time metric), or -1. */
  private blockedSince = -1

  constructor(init: SendLoopInit) {
    this.init = init
    this.out = new WriteBuffer(init.stream, init.flushThrottleMs, this, init.stallTimeoutMs, init.bufferSize, init.initialBufferSize)
    this.monitor = isUnlimitedRate(init.sendRate) ? undefined : new FlowRate(init.now)
  }

  get bytesWritten(): number {
    return this.out.bytesWritten
  }

  wake(): void {
    if (this.scheduled || this.stopped || this.rateTimer !== undefined || this.out.blocked) return
    this.scheduled = true
    queueMicrotask(() => this.run())
  }

  private run(): void {
    this.immediate = undefined
    if (this.stopped) {
      this.scheduled = false
      return
    }
    this.applyDecay()
    const { channels, maxDelimitedSize } = this.init
    const out = this.out
    const monitor = this.monitor
    for (;;) {
      if (out.blocked) {
        // The stream's `drained` wakes us again.
        this.scheduled = false
        return
      }
      if (monitor !== undefined) {
        const wait = monitor.delay(this.init.sendRate)
        if (wait > 0) {
          this.scheduled = false
          // What was written so far still goes out on the flush throttle.
          out.schedule()
          this.init.metrics?.rateLimited.increment(wait / 1000, SEND)
          this.rateTimer = setTimeout(() => {
            this.rateTimer = undefined
            this.wake()
          }, wait)
          return
        }
      }
      const before = out.bytesWritten + out.len
      let flushed = false
      let exhausted = false
      for (let i = 0; i < PACKETS_PER_BATCH; i++) {
        const index = pickChannel(channels)
        if (index < 0) {
          exhausted = true
          break
        }
        if (!out.fits(maxDelimitedSize)) {
          if (out.reserve(maxDelimitedSize)) flushed = true
          // A failing write stops the connection and empties the channels.
          if (this.stopped) return
        }
        out.len = (channels[index] as Channel).writeNextPacket(out.buf, out.len)
      }
      if (monitor !== undefined) monitor.update(out.bytesWritten + out.len - before)
      if (exhausted) break
      if (flushed) {
        this.immediate = setImmediate(() => this.run())
        return
      }
    }
    this.scheduled = false
    const drainedAll = this.drainedAll
    if (drainedAll !== undefined) {
      out.flush()
      this.drainedAll = undefined
      drainedAll()
      return
    }
    out.schedule()
  }

  writeControl(packet: Uint8Array): void {
    if (this.stopped) return
    this.monitor?.update(packet.length)
    this.out.writeNow(packet)
  }

  flushAll(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.drainedAll = resolve
      if (this.stopped) resolve()
      // A run under way, a pending rate timer or a drain gets there anyway; wake covers the rest.
      else this.wake()
    })
  }

  applyDecay(): void {
    const steps = Math.floor((this.init.now() - this.init.startedAt) / RECENTLY_SENT_DECAY_PERIOD_MS)
    if (steps <= this.decaySteps) return
    for (const ch of this.init.channels) ch.recentlySent = decayRecentlySent(ch.recentlySent, steps - this.decaySteps)
    this.decaySteps = steps
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.out.stop()
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer)
    this.immediate = this.rateTimer = undefined
    this.noteUnblocked()
    // A flushing close waiting on us is told the path is gone.
    const drainedAll = this.drainedAll
    this.drainedAll = undefined
    drainedAll?.()
  }

  // ---- WriteBufferListener: the write buffer reports to us, never to the connection ---------

  /** @internal */
  idle(): boolean {
    for (const ch of this.init.channels) if (ch.sendQueueSize > 0) return false
    return true
  }

  /** @internal */
  blocked(): void {
    if (this.init.metrics !== undefined) this.blockedSince = this.init.now()
  }

  /** @internal */
  drained(): void {
    this.noteUnblocked()
    this.wake()
  }

  /** @internal */
  failed(err: unknown): void {
    this.init.onFailure(asConnectionError(err, 'write failed'))
  }

  private noteUnblocked(): void {
    if (this.blockedSince < 0) return
    this.init.metrics?.sendBlocked.increment((this.init.now() - this.blockedSince) / 1000)
    this.blockedSince = -1
  }
}

/**
 * The send path of `conn`, built by its first write (a message, a ping or a pong): its options,
 * and a batch buffer with room for two of its largest packets. A failure stops the connection.
 */
export function connectionSendLoop(conn: MConnection): SendLoop {
  const o = conn.opts
  const maxDelimitedSize = conn.layout.maxDelimitedSize
  return new SendLoop({
    channels: conn.channels,
    stream: conn.stream,
    sendRate: o.sendRate,
    maxDelimitedSize,
    flushThrottleMs: o.flushThrottleMs,
    stallTimeoutMs: o.stallTimeoutMs,
    bufferSize: Math.max(WRITE_BUFFER_SIZE, 2 * maxDelimitedSize),
    initialBufferSize: Math.max(INITIAL_WRITE_BUFFER_SIZE, 2 * maxDelimitedSize),
    now: o.now,
    startedAt: conn.startedAt,
    metrics: conn.ctx.metrics,
    onFailure: (err) => conn.stop(err)
  })
}
