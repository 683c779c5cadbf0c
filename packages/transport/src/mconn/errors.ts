import { ConnectionClosedError, ProtocolError, withoutStack } from '@p2p/types'

/** Typed errors (ours and the stream's) carry a string `code`; anything else is foreign. */
export function isTypedError(err: unknown): err is Error {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string'
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
