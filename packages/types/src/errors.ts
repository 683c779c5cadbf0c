// The base class, withoutStack, and the errors any layer may raise (abort, timeout, a corrupt
// file, bad configuration or arguments, lifecycle, missing components). The errors of one
// concern are in connection-errors.ts, peer-errors.ts and address-errors.ts.

/**
 * Every error thrown or emitted by an `@p2p` package is one of these classes. Test `err.name`
 * (stable across duplicate installs, where `instanceof` is not) or the `code` field.
 */
export abstract class P2PError extends Error {
  abstract readonly code: string
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * Builds an error without capturing a stack trace. For the routine outcomes that are values
 * rather than bugs (a peer hung up or was removed, a peer's address was refused): the stack
 * would only point at an event handler, and capturing it is a measurable part of a short
 * connection's cost (a seed pays it for every newcomer). The error keeps its class, `code`,
 * message and cause; only `stack` is reduced to the first line.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** The caller's `AbortSignal` fired, or the component was stopped while the operation ran. */
export class AbortError extends P2PError {
  static override readonly name = 'AbortError'
  override readonly name = 'AbortError'
  readonly code = 'ABORTED'
  constructor(message = 'the operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** Which wait timed out. */
export type TimeoutPhase =
  | 'dial'
  | 'handshake'
  | 'nodeinfo'
  | 'filter'
  | 'pong'
  | 'send'
  | 'remove-peer'
  /** A reactor's `start()` (awaited by the switch's start). */
  | 'reactor-start'
  /** A reactor's `stop()` (awaited by the switch's stop). */
  | 'reactor-stop'

/** An operation did not finish within its deadline. */
export class TimeoutError extends P2PError {
  static override readonly name = 'TimeoutError'
  override readonly name = 'TimeoutError'
  readonly code = 'TIMEOUT'
  constructor(
    readonly phase: TimeoutPhase,
    readonly timeoutMs: number,
    message = `${phase} timed out after ${timeoutMs} ms`
  ) {
    super(message)
  }
}

/** A persisted file (address book, node key) is missing fields, truncated or not JSON. */
export class CorruptFileError extends P2PError {
  static override readonly name = 'CorruptFileError'
  override readonly name = 'CorruptFileError'
  readonly code = 'CORRUPT_FILE'
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown; movedTo?: string }
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.movedTo = options?.movedTo
  }
  /** Where the unreadable file was moved aside to, if it was. */
  readonly movedTo: string | undefined
}

/** A configuration value is out of range or of the wrong type; `key` is the TOML key. */
export class ConfigError extends P2PError {
  static override readonly name = 'ConfigError'
  override readonly name = 'ConfigError'
  readonly code = 'INVALID_CONFIG'
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** A bad argument passed by the caller (not by the network). */
export class InvalidArgumentError extends P2PError {
  static override readonly name = 'InvalidArgumentError'
  override readonly name = 'InvalidArgumentError'
  readonly code = 'INVALID_ARGUMENT'
}

/** The component was used before `start()` or after `stop()`. */
export class NotStartedError extends P2PError {
  static override readonly name = 'NotStartedError'
  override readonly name = 'NotStartedError'
  readonly code = 'NOT_STARTED'
  constructor(message = 'the component is not started') {
    super(message)
  }
}

/** A composed component was built without a component it needs. */
export class MissingComponentError extends P2PError {
  static override readonly name = 'MissingComponentError'
  override readonly name = 'MissingComponentError'
  readonly code = 'MISSING_COMPONENT'
  constructor(
    readonly names: readonly string[],
    message = `missing components: ${names.join(', ')}`
  ) {
    super(message)
  }
}
