import {
  type AbortOptions,
  type ChannelDescriptor,
  type CloseOptions,
  type ConnectionHandlers,
  type ConnectionStatus,
  InvalidArgumentError,
  type NetAddress,
  type NodeInfo,
  type PeerConnection
} from '@p2p/types'
import type { ByteStream } from './byte-stream.js'

/** The multiplexer a peer connection runs once started (the MConnection). */
export interface Multiplexer {
  start(handlers: ConnectionHandlers): void
  send(channelId: number, message: Uint8Array, options?: AbortOptions): Promise<boolean>
  trySend(channelId: number, message: Uint8Array): boolean
  status(): ConnectionStatus
  close(options?: CloseOptions): Promise<void>
}

export type MultiplexerFactory = (stream: ByteStream, channels: readonly ChannelDescriptor[]) => Multiplexer

export interface UpgradedConnectionInit {
  stream: ByteStream
  remoteInfo: NodeInfo
  remoteAddr: NetAddress
  remotePublicKey: Uint8Array
  outbound: boolean
  multiplexer: MultiplexerFactory
  /** Told once when the connection is gone, whoever closed it (frees the transport's slot). */
  onGone: () => void
}

const EMPTY_STATUS = (connectedAt: number): ConnectionStatus => ({ connectedAt, bytesSent: 0, bytesReceived: 0, channels: [] })

/**
 * A connection that finished the upgrade. Until `start` it only holds the stream (paused, so the
 * peer's early packets wait in the socket); `start` builds the MConnection over it.
 */
export class UpgradedConnection implements PeerConnection {
  readonly remoteInfo: NodeInfo
  readonly remoteAddr: NetAddress
  readonly remotePublicKey: Uint8Array
  readonly outbound: boolean
  readonly #stream: ByteStream
  readonly #factory: MultiplexerFactory
  readonly #connectedAt = Date.now()
  #onGone: (() => void) | undefined
  #mux: Multiplexer | undefined
  #closed = false

  constructor(init: UpgradedConnectionInit) {
    this.remoteInfo = init.remoteInfo
    this.remoteAddr = init.remoteAddr
    this.remotePublicKey = init.remotePublicKey
    this.outbound = init.outbound
    this.#stream = init.stream
    this.#factory = init.multiplexer
    this.#onGone = init.onGone
  }

  start(channels: readonly ChannelDescriptor[], handlers: ConnectionHandlers): void {
    if (this.#mux !== undefined) throw new InvalidArgumentError('connection already started')
    if (this.#closed) {
      handlers.onClose()
      return
    }
    this.#mux = this.#factory(this.#stream, channels)
    this.#mux.start({
      onReceive: handlers.onReceive,
      onClose: (error) => {
        this.#closed = true
        this.#gone()
        handlers.onClose(error)
      }
    })
  }

  send(channelId: number, message: Uint8Array, options?: AbortOptions): Promise<boolean> {
    if (this.#mux === undefined || this.#closed) return Promise.resolve(false)
    return this.#mux.send(channelId, message, options)
  }

  trySend(channelId: number, message: Uint8Array): boolean {
    if (this.#mux === undefined || this.#closed) return false
    return this.#mux.trySend(channelId, message)
  }

  status(): ConnectionStatus {
    return this.#mux?.status() ?? EMPTY_STATUS(this.#connectedAt)
  }

  async close(options?: CloseOptions): Promise<void> {
    if (this.#mux !== undefined) {
      await this.#mux.close(options)
    } else if (!this.#closed) {
      this.#stream.close(options?.reason)
    }
    this.#closed = true
    this.#gone()
  }

  #gone(): void {
    const onGone = this.#onGone
    this.#onGone = undefined
    onGone?.()
  }
}
