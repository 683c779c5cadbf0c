/**
 * Runs `fn` every `intervalMs` until `signal` aborts: a `setTimeout` chain (not `setInterval`)
 * whose one pending timer is cleared on abort, so nothing is left after the owner stops.
 * The timer is unref'd: a metrics flush must not keep a process alive.
 */
export function repeatingTask(fn: () => void, intervalMs: number, signal: AbortSignal): void {
  if (signal.aborted) return
  let timer: ReturnType<typeof setTimeout> | undefined
  const tick = (): void => {
    timer = undefined
    if (signal.aborted) return
    try {
      fn()
    } finally {
      if (!signal.aborted) schedule()
    }
  }
  const schedule = (): void => {
    timer = setTimeout(tick, intervalMs)
    timer.unref?.()
  }
  signal.addEventListener(
    'abort',
    () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
    { once: true }
  )
  schedule()
}
