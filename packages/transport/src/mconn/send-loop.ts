import type { Channel } from './channel.js'
import { FlowRate, isUnlimitedRate } from './flow-rate.js'
import { decayRecentlySent, pickChannel, RECENTLY_SENT_DECAY_PERIOD_MS } from './send-scheduler.js'
import type { WriteBuffer } from './write-buffer.js'

/** Go's `numBatchPacketMsgs`: packets written per rate-limiter check. */
export const PACKETS_PER_BATCH = 10

export interface SendLoopInit {
  readonly channels: readonly Channel[]
  readonly out: WriteBuffer
  /** Bytes/s; 0 or Infinity disables the limiter. */
  readonly sendRate: number
  /** Largest delimited packet a channel writes. */
  readonly maxDelimitedSize: number
  readonly now: () => number
  /** True while packets may be written. */
  active(): boolean
  /** With `draining` set: everything queued has been handed to the stream. */
  onDrainedAll(): void
}

/**
 * Go's `sendRoutine` on an event loop. A wake-up (a microtask, coalesced) checks the send rate
 * limiter, then writes batches of up to 10 packets from the channel with the least
 * `recentlySent / priority` into the write buffer, until nothing is pending, the stream pushes
 * back, the limiter asks for a pause (a timer wakes us), or the buffer was flushed (we yield to
 * I/O with `setImmediate`, as Go's loop re-signals itself). Pings and pongs skip the limiter.
 */
export class SendLoop {
  /** Set by a flushing close: when all is written, call `onDrainedAll` instead of idling. */
  draining = false

  private readonly init: SendLoopInit
  private readonly monitor: FlowRate
  private readonly limited: boolean
  private startedAt = -1
  private decaySteps = 0
  /** A run is queued (microtask or immediate) or under way. */
  private scheduled = false
  private immediate: ReturnType<typeof setImmediate> | undefined
  private rateTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor(init: SendLoopInit) {
    this.init = init
    this.monitor = new FlowRate(init.now)
    this.limited = !isUnlimitedRate(init.sendRate)
  }

  /** Starts the `recentlySent` decay clock (Go starts its stats ticker in `OnStart`). */
  start(): void {
    this.startedAt = this.init.now()
  }

  /** Schedules a run; cheap to call after every enqueue. */
  wake(): void {
    if (this.scheduled || this.stopped || this.rateTimer !== undefined || this.init.out.blocked) return
    if (!this.init.active()) return
    this.scheduled = true
    queueMicrotask(() => this.run())
  }

  private run(): void {
    this.immediate = undefined
    if (this.stopped || !this.init.active()) {
      this.scheduled = false
      return
    }
    this.applyDecay()
    const { out, channels, maxDelimitedSize } = this.init
    for (;;) {
      if (out.blocked) {
        // The stream's `drained` wakes us again.
        this.scheduled = false
        return
      }
      if (this.limited) {
        const wait = this.monitor.delay(this.init.sendRate)
        if (wait > 0) {
          this.scheduled = false
          // What was written so far still goes out on the flush throttle.
          out.schedule()
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
      if (this.limited) this.monitor.update(out.bytesWritten + out.len - before)
      if (exhausted) break
      if (flushed) {
        this.immediate = setImmediate(() => this.run())
        return
      }
    }
    this.scheduled = false
    if (this.draining) {
      out.flush()
      this.init.onDrainedAll()
      return
    }
    out.schedule()
  }

  /** Writes a ping or pong and flushes at once, bypassing the rate limiter (as Go does). */
  writeControl(packet: Uint8Array): void {
    if (this.stopped) return
    if (this.limited) this.monitor.update(packet.length)
    this.init.out.writeNow(packet)
  }

  /** Applies the ×0.8 decay of `recentlySent` for every 2 s period passed (Go's stats ticker). */
  applyDecay(): void {
    if (this.startedAt < 0) return
    const steps = Math.floor((this.init.now() - this.startedAt) / RECENTLY_SENT_DECAY_PERIOD_MS)
    if (steps <= this.decaySteps) return
    for (const ch of this.init.channels) ch.recentlySent = decayRecentlySent(ch.recentlySent, steps - this.decaySteps)
    this.decaySteps = steps
  }

  stop(): void {
    this.stopped = true
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer)
    this.immediate = this.rateTimer = undefined
  }
}
