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

/** What is wrong with an address string. */
export type NetAddressErrorKind = 'no-id' | 'invalid' | 'lookup' | 'invalid-ip' | 'invalid-port'

/** A network address string or proto failed to parse; `kind` maps to Go's error types. */
export class NetAddressError extends P2PError {
  static override readonly name = 'NetAddressError'
  override readonly name = 'NetAddressError'
  readonly code = 'INVALID_NET_ADDRESS'
  constructor(
    readonly kind: NetAddressErrorKind,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** A node ID is not 40 hex characters. */
export class InvalidNodeIdError extends P2PError {
  static override readonly name = 'InvalidNodeIdError'
  override readonly name = 'InvalidNodeIdError'
  readonly code = 'INVALID_NODE_ID'
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

/** Why the address book refused an address. */
export type AddrBookErrorReason =
  | 'self'
  | 'private'
  | 'non-routable'
  | 'banned'
  | 'invalid'
  | 'bucket-full'
  | 'nil'

/** `AddrBook.addAddress` refused an address. */
export class AddrBookError extends P2PError {
  static override readonly name = 'AddrBookError'
  override readonly name = 'AddrBookError'
  readonly code = 'ADDRBOOK_REJECTED'
  constructor(
    readonly reason: AddrBookErrorReason,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
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
