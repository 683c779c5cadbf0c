/** Why a node could not be reached, in the words an operator uses. */
export type UnreachableReason =
  /** TCP connect failed (refused, unreachable host, reset). */
  | 'refused'
  /** The connect, the handshake or the NodeInfo exchange did not finish in time. */
  | 'timeout'
  /** The secret handshake or the NodeInfo exchange failed (bad bytes, closed mid-way, bad NodeInfo). */
  | 'handshake-failed'
  /** The node is on another network (chain ID). */
  | 'wrong-network'
  /** The node proved a key other than the ID it was dialled at. */
  | 'id-mismatch'
  /** Compatible network but another block protocol version or no common channel. */
  | 'incompatible'
  /** Refused by a filter or a check of ours (duplicate connection, banned, ...). */
  | 'rejected'
  /** Anything else. */
  | 'error'

/** Every {@link UnreachableReason}, in the order reports list them. */
export const UNREACHABLE_REASONS: readonly UnreachableReason[] = [
  'refused',
  'timeout',
  'handshake-failed',
  'wrong-network',
  'id-mismatch',
  'incompatible',
  'rejected',
  'error'
]

interface Named {
  name?: unknown
  reason?: unknown
  field?: unknown
  cause?: unknown
}

/** The NodeInfoError (field `network`) under a `RejectedError('incompatible')`, if any. */
function networkCause(err: unknown): (Named & Error) | undefined {
  const e = err as Named
  const cause = e?.cause as Named | undefined
  if (e?.name === 'RejectedError' && e.reason === 'incompatible' && cause?.name === 'NodeInfoError' && cause.field === 'network') {
    return cause as Named & Error
  }
  return undefined
}

/** Maps a dial's typed error (from any `Transport`) to a reason; tested by `name`, never `instanceof`. */
export function unreachableReason(err: unknown): UnreachableReason {
  const e = err as Named
  switch (e?.name) {
    case 'DialError':
      return 'refused'
    case 'TimeoutError':
      return 'timeout'
    case 'HandshakeError':
    case 'ProtocolError':
    case 'MessageTooLargeError':
    case 'ConnectionClosedError':
    case 'NodeInfoError':
      return 'handshake-failed'
    case 'AuthFailureError':
      return 'id-mismatch'
    case 'RejectedError':
      if (networkCause(err) !== undefined) return 'wrong-network'
      if (e.reason === 'incompatible') return 'incompatible'
      if (e.reason === 'invalid-nodeinfo') return 'handshake-failed'
      if (e.reason === 'auth-failure') return 'id-mismatch'
      return 'rejected'
    default:
      return 'error'
  }
}

/**
 * The other node's network, read from the incompatibility error of a dial to it (the transport
 * refuses before handing over its NodeInfo; the check's message names both chain IDs).
 */
export function networkOfRejection(err: unknown): string | undefined {
  const cause = networkCause(err)
  if (cause === undefined) return undefined
  const m = /Got (.*), expected /.exec(String(cause.message))
  return m?.[1]
}
