/**
 * A signal that aborts when the caller's signal does or when `timeoutMs` passes. Call `clear()`
 * when the guarded work is over, so no timer outlives it.
 */
export interface Deadline {
  readonly signal: AbortSignal
  /** True once the time ran out (as opposed to the caller aborting). */
  readonly timedOut: boolean
  clear(): void
}

export function deadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController()
  let timedOut = false
  const onParentAbort = (): void => controller.abort(parent?.reason)
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  if (parent?.aborted === true) onParentAbort()
  else parent?.addEventListener('abort', onParentAbort, { once: true })
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut
    },
    clear() {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onParentAbort)
    }
  }
}
