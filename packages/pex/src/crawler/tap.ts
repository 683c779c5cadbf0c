import {
  type AbortOptions,
  type ConnectionHandlers,
  type NetAddress,
  type NodeID,
  type PeerConnection,
  RejectedError,
  type Transport,
  type TransportEvents,
  TypedEventEmitter
} from '@p2p/types'
import { decodePexMessage, PEX_CHANNEL } from '../messages.js'

/**
 * Wraps the crawl's transport to learn what `crawl()` does not keep: the IDs each node answered
 * with (the edges of the map), and to skip dials to nodes a resumed crawl saw recently. A skipped
 * dial rejects with `RejectedError('filtered')` whose message is {@link SKIPPED}.
 */
export class TappedTransport extends TypedEventEmitter<TransportEvents> implements Transport {
  readonly #inner: Transport
  readonly #skip: (addr: NetAddress) => boolean
  /** Node ID → the IDs of its PexAddrs answer (decoding bounds it to 250). */
  readonly answers = new Map<NodeID, string[]>()

  constructor(inner: Transport, skip: (addr: NetAddress) => boolean = () => false) {
    super()
    this.#inner = inner
    this.#skip = skip
  }

  async start(): Promise<void> {
    await this.#inner.start()
  }

  async stop(): Promise<void> {
    await this.#inner.stop()
  }

  listenAddress(): NetAddress {
    return this.#inner.listenAddress()
  }

  accept(options?: AbortOptions): AsyncIterable<PeerConnection> {
    return this.#inner.accept(options)
  }

  async dial(addr: NetAddress, options?: AbortOptions): Promise<PeerConnection> {
    if (this.#skip(addr)) throw new RejectedError('filtered', SKIPPED, { id: addr.id, addr: `${addr.ip}:${addr.port}` })
    const conn = await this.#inner.dial(addr, options)
    const answers = this.answers
    const id = conn.remoteInfo.id
    // Delegate everything (bound: the connection may keep private state); intercept start().
    const tapped: PeerConnection = {
      remoteInfo: conn.remoteInfo,
      remoteAddr: conn.remoteAddr,
      remotePublicKey: conn.remotePublicKey,
      outbound: conn.outbound,
      send: (ch, msg, o) => conn.send(ch, msg, o),
      trySend: (ch, msg) => conn.trySend(ch, msg),
      status: () => conn.status(),
      close: (o) => conn.close(o),
      start: (channels, handlers: ConnectionHandlers) =>
        conn.start(channels, {
          onReceive: (channelId, message) => {
            if (channelId === PEX_CHANNEL && !answers.has(id)) {
              try {
                const m = decodePexMessage(message)
                if (m.type === 'addrs') answers.set(id, m.addrs.map((a) => a.id).filter((x) => NODE_ID.test(x)))
              } catch {
                // the crawler decodes the same bytes and records the error
              }
            }
            handlers.onReceive(channelId, message)
          },
          onClose: (error) => handlers.onClose(error)
        })
    }
    return tapped
  }
}

const NODE_ID = /^[0-9a-f]{40}$/

/** The message of a dial the tap skipped (a resumed crawl's recently-seen node). */
export const SKIPPED = 'seen recently by the previous crawl'
