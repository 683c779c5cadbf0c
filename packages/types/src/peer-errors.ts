// Errors about peers as the switch, the peer manager and reactors handle them: refused,
// already connected, not dialled, misbehaving.

import { P2PError } from './errors.js'

/** Why a connection or peer was refused. */
export type RejectReason =
  | 'self'
  | 'duplicate-id'
  | 'duplicate-conn'
  | 'duplicate-ip'
  | 'filtered'
  | 'incompatible'
  | 'invalid-nodeinfo'
  | 'auth-failure'
  | 'too-many-peers'
  | 'too-many-handshakes'
  | 'banned'

/**
 * A connection or peer was refused. One discriminant (`reason`) replaces Go's `ErrRejected`
 * boolean flags; `id` and `addr` name the peer where known.
 */
export class RejectedError extends P2PError {
  static override readonly name = 'RejectedError'
  override readonly name = 'RejectedError'
  readonly code = 'REJECTED'
  readonly id: string | undefined
  readonly addr: string | undefined
  constructor(
    readonly reason: RejectReason,
    message: string,
    options?: { id?: string; addr?: string; cause?: unknown }
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.id = options?.id
    this.addr = options?.addr
  }
}

/** `dialPeer` / `Dialer.dial` found the ID already being dialled or connected: not a failed attempt. */
export class AlreadyConnectedError extends P2PError {
  static override readonly name = 'AlreadyConnectedError'
  override readonly name = 'AlreadyConnectedError'
  readonly code = 'ALREADY_CONNECTED'
  constructor(
    readonly id: string,
    readonly state: 'dialing' | 'connected',
    message = `peer ${id} is already ${state === 'dialing' ? 'being dialled' : 'connected'}`
  ) {
    super(message)
  }
}

/**
 * What a peer did wrong, as a reactor reports it in `stopPeer`; the peer manager bans by `kind`.
 * Reactors may use their own kinds (prefixed with their name).
 */
export type MisbehaviourKind =
  | 'pex-request-flood'
  | 'pex-unsolicited-addrs'
  | 'pex-too-many-addrs'
  | 'pex-invalid-addr'
  | 'bad-message'
  | 'wrong-network'
  | (string & {})

/** A peer broke a reactor's protocol rules; the reason a misbehaving peer is removed. */
export class MisbehaviourError extends P2PError {
  static override readonly name = 'MisbehaviourError'
  override readonly name = 'MisbehaviourError'
  readonly code = 'MISBEHAVIOUR'
  constructor(
    readonly kind: MisbehaviourKind,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** Why a dial was not even tried. */
export type DialSkipReason = 'backoff' | 'max-attempts' | 'banned' | 'self' | 'queue-full' | 'stopped'

/**
 * A dial was refused before any socket was opened: the address waits out its back-off, reached
 * its maximum attempts (then it is also marked bad), is banned or our own, or the dial queue is full.
 */
export class DialSkippedError extends P2PError {
  static override readonly name = 'DialSkippedError'
  override readonly name = 'DialSkippedError'
  readonly code = 'DIAL_SKIPPED'
  constructor(
    readonly reason: DialSkipReason,
    readonly addr: string,
    message = `dial to ${addr} skipped: ${reason}`
  ) {
    super(message)
  }
}
