import type { ChannelDescriptor } from './channel.js'
import type { NetAddress } from './net-address.js'
import type { NodeInfo } from './node-info.js'
import type { AbortOptions } from './startable.js'

/** Callbacks a connection delivers to its owner (the switch). */
export interface ConnectionHandlers {
  /**
   * A whole message arrived on `channelId`. Called synchronously from the read path: it must
   * not block; queue the work if it is slow.
   */
  onReceive(channelId: number, message: Uint8Array): void
  /** Called exactly once, when the connection has closed; `error` is why, if it failed. */
  onClose(error?: Error): void
}

/** How a connection is closed. */
export interface CloseOptions {
  /** Why we close; reported to `onClose`. */
  reason?: Error
  /** Send what is queued before closing (Go's `FlushStop`). Default false. */
  flush?: boolean
}

/** Live counters of a connection. */
export interface ConnectionStatus {
  readonly connectedAt: number
  readonly bytesSent: number
  readonly bytesReceived: number
  readonly channels: ReadonlyArray<{
    readonly id: number
    readonly sendQueueSize: number
    readonly sendQueueCapacity: number
    readonly priority: number
    readonly recentlySent: number
    /**
     * Message bytes sent on this channel since the connection started: the payload of every
     * `PacketMsg` the connection has cut from this channel's messages and passed to its write
     * path (packet framing, length prefixes, encryption overhead, pings and pongs are not
     * counted). A message is counted packet by packet as it is sent, so a message still being
     * sent counts only its sent part, and messages still in the send queue count nothing.
     * Bytes buffered when the connection closes are counted even if they never reached the peer.
     */
    readonly bytesSent: number
    /**
     * Message bytes received on this channel: the payload of every `PacketMsg` accepted on it,
     * counted as each packet arrives (a message still being reassembled counts its received
     * part). Framing, prefixes, encryption overhead and rejected packets are not counted.
     */
    readonly bytesReceived: number
  }>
}

/**
 * An authenticated, encrypted, multiplexed connection to a peer whose NodeInfo has been
 * exchanged and checked (SecretConnection + MConnection in Go). Messages flow only after
 * `start`, so the owner can register the peer with its reactors first.
 */
export interface PeerConnection {
  readonly remoteInfo: NodeInfo
  /** The peer's ID (from its authenticated key) at the socket's remote ip:port. */
  readonly remoteAddr: NetAddress
  /** The peer's 32-byte ed25519 public key, proven in the handshake. */
  readonly remotePublicKey: Uint8Array
  /** True when we dialled. */
  readonly outbound: boolean
  /**
   * Begins reading and sending on `channels` (the reactors' descriptors; a packet on any other
   * channel ends the connection). Bytes that arrive before `start` wait in the socket.
   * Calling it twice throws `InvalidArgumentError`.
   */
  start(channels: readonly ChannelDescriptor[], handlers: ConnectionHandlers): void
  /**
   * Queues `message` on `channelId`, waiting up to the send timeout for room. Resolves false
   * when the channel is unknown, the connection is closed or the wait timed out.
   */
  send(channelId: number, message: Uint8Array, options?: AbortOptions): Promise<boolean>
  /** Queues `message` if there is room now; false otherwise. Never waits. */
  trySend(channelId: number, message: Uint8Array): boolean
  /** A snapshot of the connection: bytes sent and received, and each channel's send queue. */
  status(): ConnectionStatus
  /** Closes the connection and releases its socket and timers; idempotent. */
  close(options?: CloseOptions): Promise<void>
}
