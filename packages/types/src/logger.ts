/**
 * A debug-style logger: call it for normal messages, `.error` for failures, `.trace` for
 * per-packet detail. Check `enabled` before formatting anything expensive (hex keys).
 */
export interface Logger {
  (formatter: string, ...args: unknown[]): void
  /** Logs a failure; always worth formatting. */
  error(formatter: string, ...args: unknown[]): void
  /** Logs per-packet detail; check `enabled` first on hot paths. */
  trace(formatter: string, ...args: unknown[]): void
  /** True when messages are printed: skip expensive formatting otherwise. */
  readonly enabled: boolean
}

/** Hands each component a logger named after it (`p2p:transport`, `p2p:addrbook`, ...). */
export interface ComponentLogger {
  /** The logger of component `name` (by convention `p2p:<package>`). */
  forComponent(name: string): Logger
}

const noop = (): void => {}

/** A logger that drops everything. */
export function disabledLogger(): Logger {
  return Object.assign(noop.bind(null), { error: noop, trace: noop, enabled: false })
}

/** A `ComponentLogger` whose loggers drop everything: the default where none is given. */
export function disabledComponentLogger(): ComponentLogger {
  return { forComponent: () => disabledLogger() }
}
