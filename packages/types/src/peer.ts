import type { ConnectionStatus } from './connection.js'
import type { NetAddress } from './net-address.js'
import type { NodeID } from './node-id.js'
import type { NodeInfo } from './node-info.js'
import type { AbortOptions } from './startable.js'

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
  /** The remote end of the socket, with the peer's ID. */
  readonly socketAddr: NetAddress
  /** Send on `channelId`, waiting for queue room; false if it could not be queued. */
  send(channelId: number, message: Uint8Array, options?: AbortOptions): Promise<boolean>
  /** Send on `channelId` if there is room now. */
  trySend(channelId: number, message: Uint8Array): boolean
  /** Per-peer data that reactors attach (Go `Peer.Get/Set`). */
  readonly data: Map<string, unknown>
  status(): ConnectionStatus
}

/** The connected peers, by ID. */
export interface PeerSet {
  has(id: NodeID): boolean
  /** True when any peer's socket IP equals `ip`. */
  hasIp(ip: string): boolean
  get(id: NodeID): Peer | undefined
  list(): Peer[]
  readonly size: number
}
