/*
 * The part of Go's `libs/flowrate` Monitor that MConnection uses: byte counting in 100 ms samples
 * on a clock rounded to 20 ms, and `Limit(want, rate, block=true)`, which blocks while the current
 * sample already holds `round(rate × 0.1 s)` bytes. It is a token bucket refilled by rate/10 bytes
 * every 100 ms; a transfer may overshoot by whatever is written after one check. Instead of
 * sleeping, {@link FlowRate.delay} says how long the caller must wait.
 *
 * Go forgets that overshoot when a sample ends, so a peer whose packets are each larger than a
 * sample's allowance gets one packet through per sample, whatever the rate (at 2 kB/s, 1 KiB
 * packets pass at 10 kB/s). With `carryRate` set (the receive side's limiter) the monitor keeps
 * it: a new sample starts with what the last one held beyond `carryRate` × its length, so the
 * long-run rate stays at the limit.
 */

/** Go's `clockRate`: the monitor's clock advances in 20 ms steps. */
export const FLOW_CLOCK_GRANULARITY_MS = 20
/** Go's default sample period, `5 × clockRate`. */
export const FLOW_SAMPLE_PERIOD_MS = 100
/** Go's `waitNextSample` never sleeps less than this. */
export const FLOW_MIN_WAIT_MS = 5

/** True when `rate` bytes/s means "no limit" (Go: rate < 1; we also accept Infinity). */
export function isUnlimitedRate(rate: number): boolean {
  return !(rate >= 1) || rate === Number.POSITIVE_INFINITY
}

/** Go's `round`: halves away from zero for positive values. */
function goRound(x: number): number {
  return x - Math.floor(x) >= 0.5 ? Math.ceil(x) : Math.floor(x)
}

export class FlowRate {
  private readonly now: () => number
  private readonly origin: number

  /** Bytes counted in the current sample. */
  private sampleBytes = 0
  /** Start of the current sample, in rounded clock time. */
  private sampleStart = 0

  /** Bytes per clock ms a sample carries forward into the next; 0: forget (Go). */
  private readonly carryPerMs: number

  /**
   * @param carryRate - keep the overshoot across samples at this rate in bytes/s (the rate later
   *   passed to {@link FlowRate.delay}); unset or unlimited: forget it at each sample, as Go does
   */
  constructor(now: () => number = () => performance.now(), carryRate = 0) {
    this.now = now
    this.origin = this.roundedNow()
    this.sampleStart = 0
    this.carryPerMs = isUnlimitedRate(carryRate) ? 0 : carryRate / 1000
  }

  /** Go's `clock()`: milliseconds since creation, rounded to the clock granularity. */
  private roundedNow(): number {
    return Math.round(this.now() / FLOW_CLOCK_GRANULARITY_MS) * FLOW_CLOCK_GRANULARITY_MS
  }

  private clock(): number {
    return this.roundedNow() - this.origin
  }

  /** Starts a new sample when the current one is over; returns the clock. */
  private tick(): number {
    const now = this.clock()
    const elapsed = now - this.sampleStart
    if (elapsed >= FLOW_SAMPLE_PERIOD_MS) {
      // What the elapsed time paid for at the rate is spent; the rest is still owed.
      this.sampleBytes = this.carryPerMs === 0 ? 0 : Math.max(0, this.sampleBytes - this.carryPerMs * elapsed)
      this.sampleStart = now
    }
    return now
  }

  /** Records `n` transferred bytes (Go's `Update`). */
  update(n: number): void {
    if (this.carryPerMs === 0) {
      // Go adds to the sample, then starts a new one if it is over (forgetting these bytes too).
      this.sampleBytes += n
      this.tick()
    } else {
      this.tick()
      this.sampleBytes += n
    }
  }

  /** Bytes one sample may carry at `rate` bytes/s (at least 1). */
  static sampleAllowance(rate: number): number {
    return Math.max(1, goRound((rate * FLOW_SAMPLE_PERIOD_MS) / 1000))
  }

  /**
   * Milliseconds to wait before transferring more at `rate` bytes/s; 0 when the transfer may go
   * on now. After waiting, call again: the answer can be non-zero once more if the clock has not
   * reached the next sample yet.
   */
  delay(rate: number): number {
    if (isUnlimitedRate(rate)) return 0
    const now = this.tick()
    if (this.sampleBytes < FlowRate.sampleAllowance(rate)) return 0
    return Math.max(FLOW_MIN_WAIT_MS, this.sampleStart + FLOW_SAMPLE_PERIOD_MS - now)
  }
}
