import { AbortError } from './errors.js'

/** Options of {@link repeatingTask}. */
export interface RepeatingTaskOptions {
  /** Time between the starts of two runs; a run that takes longer delays the next. */
  intervalMs: number
  /** Delay before the first run (default `intervalMs`). */
  firstDelayMs?: number
  /** Aborting it stops the task: no run starts after it, the pending timer is cleared. */
  signal: AbortSignal
  /** Called with whatever a run throws or rejects with (other than an abort). */
  onError?: (err: unknown) => void
}

/** A running {@link repeatingTask}. */
export interface RepeatingTask {
  /** Resolves once the signal aborted and no run is in progress. */
  readonly done: Promise<void>
}

/**
 * The design's periodic work (architecture §4; js-libp2p's `repeatingTask`): runs `fn` every
 * `intervalMs` until `signal` aborts, as a chain of unref'd timeouts, never two runs at once,
 * and no timer left behind after the abort. The run gets the signal.
 */
export function repeatingTask(fn: (signal: AbortSignal) => void | Promise<void>, options: RepeatingTaskOptions): RepeatingTask {
  const { intervalMs, signal } = options
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    finish = resolve
  })
  const report = (err: unknown): void => {
    if (signal.aborted || (err instanceof Error && err.name === AbortError.name)) return
    options.onError?.(err)
  }
  const schedule = (delayMs: number): void => {
    if (signal.aborted) return
    timer = setTimeout(tick, Math.max(0, delayMs))
    timer.unref?.()
  }
  const tick = (): void => {
    timer = undefined
    if (signal.aborted) return
    const started = Date.now()
    let result: ReturnType<typeof fn> | undefined // undefined when fn threw
    try {
      result = fn(signal)
    } catch (err) {
      report(err)
    }
    const after = (): void => {
      running = false
      if (signal.aborted) finish()
      else schedule(intervalMs - (Date.now() - started))
    }
    if (result instanceof Promise) {
      running = true
      result.catch(report).finally(after)
    } else {
      after()
    }
  }
  if (signal.aborted) {
    finish()
    return { done }
  }
  signal.addEventListener(
    'abort',
    () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      if (!running) finish()
    },
    { once: true }
  )
  schedule(options.firstDelayMs ?? intervalMs)
  return { done }
}
