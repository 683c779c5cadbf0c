import type { PeerConnection } from './connection.js'
import type { TypedEventTarget } from './events.js'
import type { NetAddress } from './net-address.js'
import type { NodeID } from './node-id.js'
import type { NodeInfo } from './node-info.js'
import type { Peer, PeerSet } from './peer.js'
import type { Reactor } from './reactor.js'
import type { AbortOptions, Startable } from './startable.js'

/** Detail of the `peer:remove` event. */
export interface PeerRemovedDetail {
  readonly peer: Peer
  /** Why: an `Error` for a fault (typed: `ProtocolError`, `MisbehaviourError`, ...), `undefined` for a normal close. */
  readonly reason: Error | undefined
}

/** Detail of the `dial:error` event. */
export interface DialFailedDetail {
  readonly addr: NetAddress
  readonly error: Error
}

/** Detail of the `peer:rejected` event. */
export interface PeerRejectedDetail {
  /** The authenticated address of the refused connection. */
  readonly addr: NetAddress
  readonly outbound: boolean
  /** A `RejectedError` (self, duplicate-id, too-many-peers, filtered, ...). */
  readonly error: Error
}

/** Events of the switch. */
export interface SwitchEvents extends Record<string, unknown> {
  /** A peer was added and every reactor's `addPeer` ran. */
  'peer:add': Peer
  /** A peer was removed after every reactor's `removePeer` returned. */
  'peer:remove': PeerRemovedDetail
  /** An authenticated connection was refused by the switch (limits, duplicates, filters). */
  'peer:rejected': PeerRejectedDetail
  /** `dialPeer` failed. */
  'dial:error': DialFailedDetail
}

/** How many peers the switch has, by direction. */
export interface PeerCounts {
  /** Outbound peers that count against the limits (unconditional peers excluded, as Go's `NumPeers`). */
  readonly outbound: number
  /** Inbound peers that count against the limits. */
  readonly inbound: number
}

/** One peer's outcome of a broadcast. */
export interface BroadcastOutcome {
  readonly peer: Peer
  /** True when the message was queued for the peer. */
  readonly queued: boolean
}

/**
 * All a reactor may touch of the switch. Reactors that dial (PEX asking seeds, seed crawling)
 * receive a `Dialer` as a component instead: the switch never depends on the peer manager.
 */
export interface SwitchFacade {
  /** Our own NodeInfo, as sent in handshakes. */
  nodeInfo(): NodeInfo
  /** The connected peers. */
  peers(): PeerSet
  /** Peer counts by direction. */
  numPeers(): PeerCounts
  /**
   * Sends `message` on `channelId` to every peer (each `send` waits for queue room up to the
   * send timeout, as Go's `Broadcast`); resolves with every peer's outcome.
   */
  broadcast(channelId: number, message: Uint8Array): Promise<BroadcastOutcome[]>
  /** Disconnects `peer` because of `reason` (an `Error` for a fault, `undefined` for a normal close). */
  stopPeer(peer: Peer, reason: Error | undefined): void
  /** Disconnects `peer` after sending what is queued for it (Go's `FlushStop`). */
  stopPeerGracefully(peer: Peer): Promise<void>
  /**
   * Marks `peer` good in the switch's address book, if it has one (Go `Switch.MarkPeerAsGood`:
   * consensus calls it for a peer that sent useful votes or block parts). Does nothing for a
   * peer the switch does not hold. Optional: a facade without it has no book to tell, so call
   * it as `sw.markPeerAsGood?.(peer)`.
   */
  markPeerAsGood?(peer: Peer): void
  readonly events: TypedEventTarget<SwitchEvents>
}

/** How a peer is admitted by `dialPeer` or `addPeer`. */
export interface AdmitOptions {
  /** Redial it when it goes (the peer manager's job) and mark it so. */
  persistent?: boolean
  /** Exempt it from the peer limits. */
  unconditional?: boolean
}

/** What the peer manager drives: turn addresses and connections into peers. */
export interface SwitchAdmission {
  /**
   * Dials `addr` through the transport, then admits the connection. One dial per ID at a time:
   * rejects with `AlreadyConnectedError` when `addr`'s ID is being dialled or is connected; also
   * rejects with the transport's errors and `RejectedError` for admission checks.
   */
  dialPeer(addr: NetAddress, options?: AbortOptions & AdmitOptions): Promise<Peer>
  /**
   * Admits an upgraded connection (ours or the caller's): filters, limits, `initPeer` on every
   * reactor, start, peer set, `addPeer` on every reactor. On refusal the connection is closed
   * and the promise rejects with `RejectedError`.
   */
  addPeer(conn: PeerConnection, options?: AdmitOptions): Promise<Peer>
  /** True while a `dialPeer` to `id` is in flight. */
  isDialing(id: NodeID): boolean
}

/** The whole switch, as the composition root (`@p2p/node`) holds it. */
export interface Switch extends SwitchFacade, SwitchAdmission, Startable {
  /** Registers `reactor` and its channels; throws `InvalidArgumentError` for a channel already claimed or out of 0..255. */
  addReactor(reactor: Reactor): void
  /** Unregisters a reactor by name, freeing its channels; throws `InvalidArgumentError` if unknown. */
  removeReactor(name: string): void
  /** The reactor registered under `name`, if any. */
  reactor(name: string): Reactor | undefined
}
