import { AbortError, TimeoutError, type TimeoutPhase } from '@p2p/types'

/**
 * Waits for `p` at most `timeoutMs`: true when it fulfilled in time, false when the time ran out
 * (its late outcome is then ignored); a rejection in time is rethrown. Unlike `withDeadline` it
 * does not listen to a signal, so it still bounds waits made after the switch's own abort (in
 * `stop()`). The timer is always cleared once `p` settles.
 */
export function settlesWithin(p: PromiseLike<unknown>, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    Promise.resolve(p).then(
      () => {
        clearTimeout(timer)
        resolve(true)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      }
    )
  })
}

/**
 * Settles with `run`'s result, or rejects with `TimeoutError(phase)` after `timeoutMs`, or with
 * `AbortError` when `signal` aborts, whichever comes first. `run` gets a signal aborted in the
 * last two cases; its own late result is handed to `onLate` (to close a connection nobody will
 * use). The timer is always cleared: nothing outlives the call. It does not rely on `run`
 * honouring its signal, so a hung transport or filter cannot hang the caller.
 */
export function withDeadline<T>(
  phase: TimeoutPhase,
  timeoutMs: number,
  signal: AbortSignal,
  run: (signal: AbortSignal) => Promise<T>,
  onLate?: (value: T) => void
): Promise<T> {
  if (signal.aborted) return Promise.reject(new AbortError())
  const inner = new AbortController()
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const finish = (): boolean => {
      if (settled) return false
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      return true
    }
    const onAbort = (): void => {
      if (!finish()) return
      const err = new AbortError(`${phase} aborted`)
      inner.abort(err)
      reject(err)
    }
    const timer = setTimeout(() => {
      if (!finish()) return
      const err = new TimeoutError(phase, timeoutMs)
      inner.abort(err)
      reject(err)
    }, timeoutMs)
    signal.addEventListener('abort', onAbort, { once: true })
    let p: Promise<T>
    try {
      p = run(inner.signal)
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(
      (value) => {
        if (finish()) resolve(value)
        else onLate?.(value)
      },
      (err: unknown) => {
        if (finish()) reject(err)
      }
    )
  })
}
