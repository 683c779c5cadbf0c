import type { PeerConnection } from './connection.js'
import type { TypedEventTarget } from './events.js'
import type { NetAddress } from './net-address.js'
import type { AbortOptions, Startable } from './startable.js'

/** Events every transport emits. */
export interface TransportEvents extends Record<string, unknown> {
  /** A connection failed its filters or upgrade; it was closed. */
  'connection:rejected': { remote: string; outbound: boolean; error: Error }
}

/**
 * Makes authenticated peer connections (Go's `MultiplexTransport`, without the unexported
 * peer config): `dial` for outbound, `accept` for inbound. Each returned connection has passed
 * the secret handshake, the NodeInfo exchange, `validate` and `compatibleWith`.
 */
export interface Transport extends Startable, TypedEventTarget<TransportEvents> {
  /** The address we listen on, with our ID; throws `NotStartedError` before `start`. */
  listenAddress(): NetAddress
  /**
   * Connects to `addr`. Rejects with `AuthFailureError` when the remote proves another ID,
   * `RejectedError` when a filter or check refuses it, `TimeoutError`, or `AbortError`.
   */
  dial(addr: NetAddress, options?: AbortOptions): Promise<PeerConnection>
  /**
   * Inbound connections, upgraded, in arrival order. Ends when the transport stops or the
   * signal aborts. Connections that fail the upgrade are dropped (and reported as
   * `connection:rejected`), not yielded.
   */
  accept(options?: AbortOptions): AsyncIterable<PeerConnection>
}
