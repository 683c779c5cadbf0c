import { AbortError } from '@p2p/types'

/** Resolves after `ms`, or rejects with `AbortError` as soon as `signal` fires; leaves no timer behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortError())
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new AbortError())
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(0, ms))
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Resolves when any of `signals` fires (never rejects), and leaves no listener behind. */
export function untilAborted(...signals: AbortSignal[]): Promise<void> {
  if (signals.some((s) => s.aborted)) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      for (const s of signals) s.removeEventListener('abort', done)
      resolve()
    }
    for (const s of signals) s.addEventListener('abort', done, { once: true })
  })
}

/**
 * Runs `fn` after `firstDelayMs`, then every `intervalMs` after each run ends (runs never
 * overlap); `runNow()` brings the next run forward. Stops when `signal` fires.
 */
export class RepeatingTask {
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private again = false

  constructor(
    private readonly fn: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly signal: AbortSignal
  ) {
    signal.addEventListener('abort', () => this.clear(), { once: true })
  }

  start(firstDelayMs: number): void {
    this.schedule(firstDelayMs)
  }

  /** Runs at once, or right after the run in progress. */
  runNow(): void {
    if (this.signal.aborted) return
    if (this.running !== undefined) {
      this.again = true
      return
    }
    this.clear()
    void this.run()
  }

  /** Resolves when the run in progress (if any) ends. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  private schedule(ms: number): void {
    this.clear()
    if (this.signal.aborted) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.run()
    }, ms)
  }

  private clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private async run(): Promise<void> {
    if (this.signal.aborted) return
    const done = (async () => {
      try {
        await this.fn()
      } catch {
        // the task reports its own errors; a failed round must not end the loop
      }
    })()
    this.running = done
    await done
    this.running = undefined
    if (this.again) {
      this.again = false
      void this.run()
    } else {
      this.schedule(this.intervalMs)
    }
  }
}
