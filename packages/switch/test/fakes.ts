import {
  type AbortOptions,
  type ChannelDescriptor,
  type CloseOptions,
  type ConnectionHandlers,
  type ConnectionStatus,
  createNetAddress,
  type NetAddress,
  type NodeID,
  NotStartedError,
  type NodeInfo,
  type PeerConnection,
  type Transport,
  type TransportEvents,
  TypedEventEmitter
} from '@p2p/types'
import { identity } from './helpers.js'

let nextIp = 1

/** A PeerConnection with no socket: records what the switch does with it. */
export class FakeConnection implements PeerConnection {
  readonly remoteInfo: NodeInfo
  readonly remoteAddr: NetAddress
  readonly remotePublicKey = new Uint8Array(32)
  readonly sent: Array<{ channelId: number; message: Uint8Array }> = []
  handlers: ConnectionHandlers | undefined
  channels: readonly ChannelDescriptor[] = []
  closed: CloseOptions | undefined
  startedAt = 0
  /** Close at once inside `start` (a peer that vanished before it was added). */
  closeOnStart = false

  constructor(
    readonly outbound: boolean,
    o: { id?: NodeID; ip?: string; channels?: readonly number[]; info?: NodeInfo } = {}
  ) {
    const base = o.info ?? identity(o.channels ?? [0x20, 0x21]).nodeInfo
    this.remoteInfo = o.id === undefined ? base : { ...base, id: o.id }
    const n = nextIp++
    this.remoteAddr = createNetAddress(this.remoteInfo.id, o.ip ?? `10.0.${(n >> 8) & 255}.${n & 255}`, 26656)
  }

  start(channels: readonly ChannelDescriptor[], handlers: ConnectionHandlers): void {
    this.channels = channels
    this.handlers = handlers
    this.startedAt = Date.now()
    if (this.closeOnStart) void this.close()
  }

  async send(channelId: number, message: Uint8Array, _o?: AbortOptions): Promise<boolean> {
    return this.trySend(channelId, message)
  }

  trySend(channelId: number, message: Uint8Array): boolean {
    if (this.closed !== undefined || this.handlers === undefined) return false
    this.sent.push({ channelId, message })
    return true
  }

  status(): ConnectionStatus {
    return { connectedAt: this.startedAt, bytesSent: 0, bytesReceived: 0, channels: [] }
  }

  async close(options: CloseOptions = {}): Promise<void> {
    if (this.closed !== undefined) return
    this.closed = options
    this.handlers?.onClose(options.reason)
  }

  /** The remote sends us a message. */
  deliver(channelId: number, message: Uint8Array): void {
    this.handlers?.onReceive(channelId, message)
  }
}

/**
 * A transport under the test's control: `dial` runs `onDial`, `accept` yields what is pushed
 * (or throws what is pushed), and ends at `end()` or `stop()`.
 */
export class FakeTransport extends TypedEventEmitter<TransportEvents> implements Transport {
  onDial: (addr: NetAddress, o: AbortOptions) => Promise<PeerConnection> = () => new Promise(() => {})
  readonly #queue: Array<PeerConnection | Error | 'end'> = []
  #wake: (() => void) | undefined
  started = false
  readonly address = createNetAddress(identity([0x20]).nodeInfo.id, '127.0.0.1', 26656)
  accepts = 0

  start(): void {
    this.started = true
  }

  stop(): void {
    this.push('end')
  }

  listenAddress(): NetAddress {
    if (!this.started) throw new NotStartedError()
    return this.address
  }

  dial(addr: NetAddress, options: AbortOptions = {}): Promise<PeerConnection> {
    return this.onDial(addr, options)
  }

  push(item: PeerConnection | Error | 'end'): void {
    this.#queue.push(item)
    this.#wake?.()
  }

  accept(options: AbortOptions = {}): AsyncIterable<PeerConnection> {
    this.accepts++
    const queue = this.#queue
    const signal = options.signal
    const self = this
    return {
      async *[Symbol.asyncIterator]() {
        while (signal?.aborted !== true) {
          const item = queue.shift()
          if (item === undefined) {
            await new Promise<void>((resolve) => {
              const done = (): void => {
                self.#wake = undefined
                signal?.removeEventListener('abort', done)
                resolve()
              }
              self.#wake = done
              signal?.addEventListener('abort', done, { once: true })
            })
            continue
          }
          if (item === 'end') return
          if (item instanceof Error) throw item
          yield item
        }
      }
    }
  }
}
