import {
  AbortError,
  type AbortOptions,
  type CloseOptions,
  type ConnectionStatus,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  type Peer,
  type PeerConnection,
  type PeerDataKey,
  withoutStack
} from '@p2p/types'
import type { SwitchMetrics } from './metrics.js'

export interface SwitchPeerInit {
  readonly conn: PeerConnection
  readonly persistent: boolean
  readonly unconditional: boolean
  /** For outbound peers the address dialled; for inbound ones the socket's remote end. */
  readonly socketAddr: NetAddress
  readonly metrics: SwitchMetrics | undefined
}

/**
 * A connected peer (Go's `peer`): a `PeerConnection` with its NodeInfo, flags and the data
 * reactors attach. Sends are refused once the peer is stopped or for a channel the peer did
 * not announce in its NodeInfo (Go's `hasChannel`).
 */
export class SwitchPeer implements Peer {
  readonly id: NodeID
  readonly nodeInfo: NodeInfo
  readonly outbound: boolean
  readonly persistent: boolean
  readonly unconditional: boolean
  readonly socketAddr: NetAddress
  readonly conn: PeerConnection
  // Made on first use of `signal`: most of a seed's newcomers come and go without anyone asking.
  #controller: AbortController | undefined
  #stopReason: Error | undefined
  readonly #data = new Map<PeerDataKey<unknown>, unknown>()
  readonly #metrics: SwitchMetrics | undefined
  #closing: Promise<void> | undefined
  #stopped = false

  constructor(init: SwitchPeerInit) {
    this.conn = init.conn
    this.nodeInfo = init.conn.remoteInfo
    this.id = init.conn.remoteInfo.id
    this.outbound = init.conn.outbound
    this.persistent = init.persistent
    this.unconditional = init.unconditional
    this.socketAddr = init.socketAddr
    this.#metrics = init.metrics
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#stopped) this.#controller.abort(this.#reason())
    }
    return this.#controller.signal
  }

  /** True once the peer is being removed (or was refused): no more sends, no more receives. */
  get stopped(): boolean {
    // A plain field: asked on every send and receive, and only stop() aborts the signal.
    return this.#stopped
  }

  /** Whether the peer announced `channelId` in its NodeInfo (sends on any other channel are refused). */
  hasChannel(channelId: number): boolean {
    // At most 16 channels (validated NodeInfo): a scan, no table per peer.
    return this.nodeInfo.channels.includes(channelId)
  }

  async send(channelId: number, message: Uint8Array, options?: AbortOptions): Promise<boolean> {
    if (this.stopped || !this.hasChannel(channelId)) return false
    const ok = await this.conn.send(channelId, message, options)
    if (ok) this.#metrics?.sent(this.id, channelId, message.length, message)
    return ok
  }

  trySend(channelId: number, message: Uint8Array): boolean {
    if (this.stopped || !this.hasChannel(channelId)) return false
    const ok = this.conn.trySend(channelId, message)
    if (ok) this.#metrics?.sent(this.id, channelId, message.length, message)
    return ok
  }

  get<T>(key: PeerDataKey<T>): T | undefined {
    return this.#data.get(key) as T | undefined
  }

  set<T>(key: PeerDataKey<T>, value: T): void {
    this.#data.set(key, value)
  }

  delete(key: PeerDataKey<unknown>): void {
    this.#data.delete(key)
  }

  status(): ConnectionStatus {
    return this.conn.status()
  }

  /** Aborts `signal` with `reason` and closes the connection once; later calls share the first close. */
  stop(reason: Error | undefined, options: Omit<CloseOptions, 'reason'> = {}): Promise<void> {
    if (this.#closing !== undefined) return this.#closing
    this.#stopped = true
    this.#stopReason = reason
    if (this.#controller !== undefined) this.#controller.abort(this.#reason())
    this.#closing = this.conn.close({ ...options, ...(reason === undefined ? {} : { reason }) }).catch(() => {})
    return this.#closing
  }

  /** The stop's reason; without one, made when first asked for (a seed's newcomers never are). */
  #reason(): Error {
    // The usual end of a peer, not a fault: no stack to capture.
    this.#stopReason ??= withoutStack(() => new AbortError('peer removed'))
    return this.#stopReason
  }

  toString(): string {
    return `Peer{${this.id}@${this.socketAddr.ip}:${this.socketAddr.port} ${this.outbound ? 'out' : 'in'}}`
  }
}
