import type { ChannelDescriptor } from './channel.js'
import type { Peer } from './peer.js'
import type { Startable } from './startable.js'
import type { SwitchFacade } from './switch.js'

/** A message received from a peer on one channel. */
export interface Envelope {
  readonly channelId: number
  readonly src: Peer
  readonly message: Uint8Array
}

/**
 * A protocol handler that owns some channels (PEX, consensus, mempool, ...). The switch calls
 * `initPeer` before a peer's connection starts, `addPeer` after, and `removePeer` once when it
 * goes away; a reconnecting peer's `initPeer` never runs before the old one's `removePeer`
 * returned.
 */
export interface Reactor extends Partial<Startable> {
  /** Unique among the switch's reactors; used in logs and `removeReactor`. */
  readonly name: string
  /** The channels this reactor owns; no two reactors may share one. */
  channels(): ChannelDescriptor[]
  /** Called once, before `start`, with the narrow view of the switch a reactor may use. */
  attach(sw: SwitchFacade): void
  /** Called for a new peer before its connection starts: set up per-peer state here. */
  initPeer?(peer: Peer): void
  /** Called once the peer is running and may be sent to. */
  addPeer?(peer: Peer): void
  /** `reason` is why the peer went: an `Error` for a fault, `undefined` for a normal close. */
  removePeer?(peer: Peer, reason: Error | undefined): void
  /**
   * A message for one of this reactor's channels. Must not block or await (it runs on the
   * connection's read path and would stall ping/pong): queue internally. Throwing stops the peer.
   */
  receive(envelope: Envelope): void
  /**
   * The `message_type` label of a message on one of this reactor's channels, for the switch's
   * `cometbft_p2p_message_receive_bytes_total` / `_send_bytes_total`. Go's label is the Go type
   * of the decoded message as `<proto package>_<Type>` (`p2p_PexRequest`, `consensus_Vote`);
   * return that name. Called for every message sent or received while metrics are on: keep it
   * cheap (a look at the first bytes, no decoding) and return one of a few fixed strings.
   * Undefined, or no such method, counts the message as `unknown`.
   */
  messageType?(channelId: number, message: Uint8Array): string | undefined
}
