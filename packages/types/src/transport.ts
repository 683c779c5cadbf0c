import type { PeerConnection } from './connection.js'
import type { NetAddress } from './net-address.js'
import type { AbortOptions, Startable } from './startable.js'

/**
 * Makes authenticated peer connections (Go's `MultiplexTransport`, without the unexported
 * peer config): `dial` for outbound, `accept` for inbound. Each returned connection has passed
 * the secret handshake, the NodeInfo exchange, `validate` and `compatibleWith`.
 */
export interface Transport extends Startable {
  /** The address we listen on, with our ID; throws `NotStartedError` before `start`. */
  listenAddress(): NetAddress
  /**
   * Connects to `addr`. Rejects with `AuthFailureError` when the remote proves another ID,
   * `RejectedError` when a filter or check refuses it, `TimeoutError`, or `AbortError`.
   */
  dial(addr: NetAddress, options?: AbortOptions): Promise<PeerConnection>
  /**
   * Inbound connections, upgraded, in arrival order. Ends when the transport stops or the
   * signal aborts. Connections that fail the upgrade are dropped (and reported by the
   * implementation's events), not yielded.
   */
  accept(options?: AbortOptions): AsyncIterable<PeerConnection>
}
