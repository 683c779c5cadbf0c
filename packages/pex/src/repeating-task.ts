import { AbortError } from '@p2p/types'

export interface RepeatingTaskOptions {
  /** Time between the starts of two runs; a run that takes longer delays the next (a Go ticker drops ticks). */
  intervalMs: number
  /** Delay before the first run (default `intervalMs`). */
  firstDelayMs?: number
  signal: AbortSignal
  /** Called with whatever a run throws (other than an abort). */
  onError?: (err: unknown) => void
}

export interface RepeatingTask {
  /** Resolves when the task has stopped and no run is in progress. */
  readonly done: Promise<void>
}

/**
 * Runs `fn` every `intervalMs` until `signal` aborts: never two runs at once, no timer left
 * behind after the abort, and the abort reaches the run through its `signal` argument.
 */
export function repeatingTask(fn: (signal: AbortSignal) => void | Promise<void>, options: RepeatingTaskOptions): RepeatingTask {
  const { intervalMs, signal } = options
  let timer: ReturnType<typeof setTimeout> | undefined
  let resolveDone: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve
  })
  let running = false

  const schedule = (delayMs: number): void => {
    if (signal.aborted) {
      if (!running) resolveDone()
      return
    }
    timer = setTimeout(run, Math.max(0, delayMs))
    timer.unref?.()
  }

  const run = async (): Promise<void> => {
    timer = undefined
    if (signal.aborted) return resolveDone()
    running = true
    const started = Date.now()
    try {
      await fn(signal)
    } catch (err) {
      if (!(signal.aborted || (err instanceof Error && err.name === AbortError.name))) options.onError?.(err)
    } finally {
      running = false
    }
    schedule(intervalMs - (Date.now() - started))
  }

  signal.addEventListener(
    'abort',
    () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      if (!running) resolveDone()
    },
    { once: true }
  )
  schedule(options.firstDelayMs ?? intervalMs)
  return { done }
}
