import type { ConnectionStatus } from './connection.js'
import type { NetAddress } from './net-address.js'
import type { NodeID } from './node-id.js'
import type { NodeInfo } from './node-info.js'
import type { AbortOptions } from './startable.js'

/**
 * A typed key for per-peer data (Go's `Peer.Get/Set` with `interface{}` values). Two keys made
 * with the same name are still distinct, so reactors cannot clash.
 */
export interface PeerDataKey<T> {
  readonly name: string
  /** Type carrier only; never read. */
  readonly __type?: T
}

/** Makes a key for `Peer.get` / `Peer.set`. */
export function peerDataKey<T>(name: string): PeerDataKey<T> {
  return Object.freeze({ name })
}

/** A connected peer as reactors see it. */
export interface Peer {
  readonly id: NodeID
  readonly nodeInfo: NodeInfo
  /** True when we dialled it. */
  readonly outbound: boolean
  /** True when it is one of the configured persistent peers. */
  readonly persistent: boolean
  /** True when it does not count against the peer limits. */
  readonly unconditional: boolean
  /** The remote end of the socket, with the peer's ID (for outbound peers: the address dialled). */
  readonly socketAddr: NetAddress
  /**
   * Aborted when the peer is removed (its reason is `signal.reason`): tie per-peer timers and
   * waits to it so nothing outlives the peer.
   */
  readonly signal: AbortSignal
  /**
   * True once the peer is being removed: the same as `signal.aborted`, without making the signal
   * (an implementation may create it on first use; a seed's newcomers mostly never need it).
   * Optional: where it is missing, ask `signal.aborted`.
   */
  readonly stopped?: boolean
  /** Send on `channelId`, waiting for queue room; false if it could not be queued. */
  send(channelId: number, message: Uint8Array, options?: AbortOptions): Promise<boolean>
  /** Send on `channelId` if there is room now. */
  trySend(channelId: number, message: Uint8Array): boolean
  /** Per-peer data that reactors attach. */
  get<T>(key: PeerDataKey<T>): T | undefined
  /** Attaches `value` to this peer under `key`; it goes when the peer goes. */
  set<T>(key: PeerDataKey<T>, value: T): void
  /** Removes the value under `key`. */
  delete(key: PeerDataKey<unknown>): void
  /** A snapshot of the connection: bytes sent and received, and each channel's send queue. */
  status(): ConnectionStatus
}

/** The connected peers, by ID. */
export interface PeerSet {
  /** True when a peer with this ID is connected. */
  has(id: NodeID): boolean
  /** True when any peer's socket IP equals `ip`. */
  hasIp(ip: string): boolean
  /** The connected peer with this ID, if any. */
  get(id: NodeID): Peer | undefined
  /** Every connected peer. */
  list(): Peer[]
  readonly size: number
}
