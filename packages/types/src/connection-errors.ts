// Errors of a connection: opening it, the handshake (keys, the remote's identity, its
// NodeInfo), the wire protocol on it, and its close.

import { P2PError } from './errors.js'

/** The step of the handshake that failed. */
export type HandshakeStage = 'key-exchange' | 'auth-sig' | 'nodeinfo'

/** The secret-connection or NodeInfo handshake failed: bad bytes, a closed stream, bad crypto. */
export class HandshakeError extends P2PError {
  static override readonly name = 'HandshakeError'
  override readonly name = 'HandshakeError'
  readonly code = 'HANDSHAKE_FAILED'
  constructor(
    readonly stage: HandshakeStage,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** The remote proved a different identity than the one we expected. */
export class AuthFailureError extends P2PError {
  static override readonly name = 'AuthFailureError'
  override readonly name = 'AuthFailureError'
  readonly code = 'AUTH_FAILURE'
  constructor(
    readonly expected: string,
    readonly actual: string,
    message = `authenticated ID ${actual} does not match expected ID ${expected}`
  ) {
    super(message)
  }
}

/** The remote broke the wire protocol (bad frame, bad packet, unknown channel, over capacity). */
export class ProtocolError extends P2PError {
  static override readonly name = 'ProtocolError'
  override readonly name = 'ProtocolError'
  readonly code = 'PROTOCOL_ERROR'
}

/** A length-prefixed message or field was larger than its limit. */
export class MessageTooLargeError extends P2PError {
  static override readonly name = 'MessageTooLargeError'
  override readonly name = 'MessageTooLargeError'
  readonly code = 'MESSAGE_TOO_LARGE'
  constructor(
    readonly size: number,
    readonly limit: number,
    message = `message exceeds max size (${size} > ${limit})`
  ) {
    super(message)
  }
}

/** A TCP (or other) connection could not be opened: refused, unreachable, reset. */
export class DialError extends P2PError {
  static override readonly name = 'DialError'
  override readonly name = 'DialError'
  readonly code = 'DIAL_FAILED'
  constructor(
    readonly addr: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** The connection or stream closed before the operation could finish. */
export class ConnectionClosedError extends P2PError {
  static override readonly name = 'ConnectionClosedError'
  override readonly name = 'ConnectionClosedError'
  readonly code = 'CONNECTION_CLOSED'
  constructor(message = 'connection closed', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** The NodeInfo field a {@link NodeInfoError} is about. */
export type NodeInfoField =
  | 'listenAddr'
  | 'version'
  | 'channels'
  | 'moniker'
  | 'txIndex'
  | 'rpcAddress'
  | 'id'
  | 'network'
  | 'protocolVersion'

/** A NodeInfo failed `validate()` or `compatibleWith()`; `field` names the offending field. */
export class NodeInfoError extends P2PError {
  static override readonly name = 'NodeInfoError'
  override readonly name = 'NodeInfoError'
  readonly code = 'INVALID_NODE_INFO'
  constructor(
    readonly field: NodeInfoField,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}
