import type { Duplex } from 'node:stream'
import {
  AbortError,
  type AbortOptions,
  DialError,
  type NetAddress,
  type NodeInfo,
  type NodeKey,
  NotStartedError,
  type PeerConnection,
  type Transport,
  type TransportEvents,
  TypedEventEmitter,
  createNetAddress,
  dialString
} from '@p2p/types'
import { AcceptQueue } from '../accept-queue.js'
import { type MultiplexerFactory, UpgradedConnection } from '../peer-connection.js'
import { type SecureUpgrader, upgrade } from '../upgrade.js'
import { duplexPair } from './duplex-pair.js'

/** Where in-memory transports find each other: one per simulated network. */
export class MemoryNetwork {
  readonly #listeners = new Map<string, MemoryTransport>()
  #nextPort = 1

  /** @internal */
  bind(t: MemoryTransport): NetAddress {
    const addr = createNetAddress(t.nodeId, '127.0.0.1', this.#nextPort++)
    this.#listeners.set(dialString(addr), t)
    return addr
  }

  /** @internal */
  unbind(addr: NetAddress): void {
    this.#listeners.delete(dialString(addr))
  }

  /** @internal */
  lookup(addr: NetAddress): MemoryTransport | undefined {
    return this.#listeners.get(dialString(addr))
  }
}

export interface MemoryTransportInit {
  network: MemoryNetwork
  handshakeTimeoutMs?: number
  nodeInfoTimeoutMs?: number
}

export interface MemoryTransportComponents {
  nodeKey: NodeKey
  nodeInfo: () => NodeInfo
}

/**
 * A transport whose connections are in-memory stream pairs, running the real secret handshake,
 * NodeInfo checks and MConnection: fast, deterministic tests of switches and reactors without
 * sockets.
 */
export class MemoryTransport extends TypedEventEmitter<TransportEvents> implements Transport {
  readonly [Symbol.toStringTag] = '@p2p/transport:memory'
  readonly #init: MemoryTransportInit
  readonly #components: MemoryTransportComponents
  readonly #secure: SecureUpgrader
  readonly #multiplexer: MultiplexerFactory
  readonly #live = new Set<PeerConnection>()
  readonly #streams = new Set<Duplex>()
  #queue = new AcceptQueue()
  #address: NetAddress | undefined
  #controller: AbortController | undefined

  constructor(components: MemoryTransportComponents, init: MemoryTransportInit, secure: SecureUpgrader, multiplexer: MultiplexerFactory) {
    super()
    this.#components = components
    this.#init = init
    this.#secure = secure
    this.#multiplexer = multiplexer
  }

  get nodeId(): NodeInfo['id'] {
    return this.#components.nodeKey.id
  }

  start(): void {
    if (this.#address !== undefined) return
    this.#controller = new AbortController()
    this.#queue = new AcceptQueue()
    this.#address = this.#init.network.bind(this)
  }

  async stop(): Promise<void> {
    const addr = this.#address
    if (addr === undefined) return
    this.#address = undefined
    this.#init.network.unbind(addr)
    this.#controller?.abort()
    const unclaimed = this.#queue.end()
    for (const s of this.#streams) s.destroy()
    await Promise.all([...unclaimed, ...this.#live].map((c) => c.close()))
  }

  listenAddress(): NetAddress {
    if (this.#address === undefined) throw new NotStartedError('transport is not started')
    return this.#address
  }

  accept(options: AbortOptions = {}): AsyncIterable<PeerConnection> {
    return this.#queue.iterate(options.signal)
  }

  async dial(addr: NetAddress, options: AbortOptions = {}): Promise<PeerConnection> {
    const ours = this.#address
    const controller = this.#controller
    if (ours === undefined || controller === undefined) throw new NotStartedError('transport is not started')
    if (options.signal?.aborted === true) throw new AbortError()
    const remote = this.#init.network.lookup(addr)
    if (remote === undefined) throw new DialError(dialString(addr), `dial ${dialString(addr)}: connection refused`)
    const [local, far] = duplexPair()
    remote.acceptStream(far, ours)
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal])
    return this.#upgrade(local, addr, true, signal, addr)
  }

  /** @internal the far end of a dial arrives here. */
  acceptStream(stream: Duplex, from: NetAddress): void {
    const controller = this.#controller
    if (controller === undefined) {
      stream.destroy()
      return
    }
    this.#upgrade(stream, from, false, controller.signal).then(
      (conn) => this.#queue.push(conn),
      () => {}
    )
  }

  async #upgrade(stream: Duplex, remoteSocket: NetAddress, outbound: boolean, signal: AbortSignal, expected?: NetAddress): Promise<PeerConnection> {
    this.#streams.add(stream)
    const remote = dialString(remoteSocket)
    try {
      const up = await upgrade(stream, {
        nodeKey: this.#components.nodeKey,
        ourInfo: this.#components.nodeInfo(),
        secure: this.#secure,
        ...(expected === undefined ? {} : { expectedId: expected.id }),
        remote,
        secretTimeoutMs: this.#init.handshakeTimeoutMs ?? 3000,
        nodeInfoTimeoutMs: this.#init.nodeInfoTimeoutMs ?? 3000,
        signal
      })
      const conn: UpgradedConnection = new UpgradedConnection({
        stream: up.stream,
        remoteInfo: up.remoteInfo,
        remoteAddr: createNetAddress(up.remoteId, remoteSocket.ip, remoteSocket.port),
        remotePublicKey: up.remotePublicKey,
        outbound,
        multiplexer: this.#multiplexer,
        onGone: () => {
          this.#live.delete(conn)
          this.#streams.delete(stream)
        }
      })
      this.#live.add(conn)
      return conn
    } catch (err) {
      this.#streams.delete(stream)
      stream.destroy()
      this.emit('connection:rejected', { remote, outbound, error: err as Error })
      throw err
    }
  }
}
