import { EXIT } from './exit-codes.js'

export interface ShutdownWatch {
  /** Aborted at the first SIGINT or SIGTERM; its `reason` is the signal name. */
  readonly signal: AbortSignal
  /** Removes the handlers (after a clean stop). */
  dispose(): void
}

export interface ShutdownOptions {
  /** Told about each signal. */
  onSignal?: (name: NodeJS.Signals, first: boolean) => void
  /** Exits the process; tests replace it. */
  exit?: (code: number) => void
}

/**
 * The first SIGINT or SIGTERM asks for a graceful stop (peers told, address book saved, exit 0);
 * a second one exits at once with 128 + the signal number, for an operator who will not wait.
 */
export function watchShutdown(options: ShutdownOptions = {}): ShutdownWatch {
  const controller = new AbortController()
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const handler = (name: NodeJS.Signals): void => {
    const first = !controller.signal.aborted
    options.onSignal?.(name, first)
    if (first) controller.abort(name)
    else exit(name === 'SIGINT' ? EXIT.SIGINT : EXIT.SIGTERM)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
  }
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
