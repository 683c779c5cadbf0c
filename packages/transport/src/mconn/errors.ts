import { ConnectionClosedError, ProtocolError } from '@p2p/types'

/** Typed errors (ours and the stream's) carry a string `code`; anything else is foreign. */
export function isTypedError(err: unknown): err is Error {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string'
}

/**
 * Builds an error without capturing a stack: for the routine ends of a connection (the peer hung
 * up, the socket went away), where a stack only points at an event handler and capturing it is
 * ≈ 15 % of an MConnection's set-up and teardown.
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

/** A typed error passes through; anything else becomes a `ConnectionClosedError` (no stack). */
export function asConnectionError(err: unknown, message: string): Error {
  if (isTypedError(err)) return err
  return withoutStack(() => new ConnectionClosedError(message, { cause: err }))
}

/** Go recovers any panic on the read path (a reactor's too) and drops the peer. */
export function asProtocolError(err: unknown): Error {
  return isTypedError(err) ? err : new ProtocolError(`recovered from panic: ${String(err)}`, { cause: err })
}
