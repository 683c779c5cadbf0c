// Errors about addresses: one that does not parse (or whose node ID is malformed), and one
// the address book refuses.

import { P2PError } from './errors.js'

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
