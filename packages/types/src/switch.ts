import type { TypedEventTarget } from './events.js'
import type { Peer, PeerSet } from './peer.js'
import type { Dialer } from './peer-manager.js'

export interface PeerRemovedDetail {
  readonly peer: Peer
  readonly reason: unknown
}

export interface PeerErrorDetail {
  readonly peer: Peer
  readonly error: Error
}

/** Events of the switch. */
export interface SwitchEvents extends Record<string, unknown> {
  'peer:add': Peer
  'peer:remove': PeerRemovedDetail
  /** A peer-ending error, emitted once per peer. */
  'peer:error': PeerErrorDetail
}

export interface PeerCounts {
  readonly outbound: number
  readonly inbound: number
  readonly dialing: number
}

/** All a reactor may touch of the switch. */
export interface SwitchFacade {
  peers(): PeerSet
  /** Counts that exclude unconditional peers, as Go's `NumPeers`. */
  numPeers(): PeerCounts
  /** `trySend`s `message` to every peer on `channelId`. */
  broadcast(channelId: number, message: Uint8Array): void
  /** Disconnects `peer` because of `reason` (an `Error` for a fault). */
  stopPeer(peer: Peer, reason: unknown): void
  /** Disconnects `peer` after sending what is queued for it (Go `FlushStop`). */
  stopPeerGracefully(peer: Peer): Promise<void>
  readonly events: TypedEventTarget<SwitchEvents>
  readonly dialer: Dialer
}
