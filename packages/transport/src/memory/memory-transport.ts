import type { Duplex } from 'node:stream'
import {
  AbortError,
  type AbortOptions,
  type ComponentLogger,
  DialError,
  disabledLogger,
  type Logger,
  type Metrics,
  type NetAddress,
  type NodeInfo,
  type NodeKey,
  NotStartedError,
  type PeerConnection,
  type PeerFilter,
  type Transport,
  type TransportEvents,
  TypedEventEmitter,
  createNetAddress,
  dialString
} from '@p2p/types'
import { AcceptQueue } from '../accept-queue.js'
import { ConnectionUpgrader } from '../connection-upgrader.js'
import type { MultiplexerFactory } from '../peer-connection.js'
import { askPeerFilter } from '../peer-filter.js'
import type { SecureUpgrader } from '../upgrade.js'
import { ConnAbort } from '../util/conn-abort.js'
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

/** Options of {@link memoryTransport}: the network to join and the handshake deadlines. */
export interface MemoryTransportInit {
  /** The simulated network: transports on the same {@link MemoryNetwork} can dial each other. */
  network: MemoryNetwork
  /** Secret-handshake deadline, ms. Default 3000 (Go). */
  handshakeTimeoutMs?: number
  /** NodeInfo-exchange deadline, ms. Default 3000 (Go). */
  nodeInfoTimeoutMs?: number
  /** As on the TCP transport: inbound, our NodeInfo leaves with our handshake signature. Default true. */
  earlyNodeInfo?: boolean
}

/** The defaults of {@link MemoryTransportInit}'s optional fields (Go's 3 s deadlines). */
export const MEMORY_TRANSPORT_DEFAULTS = {
  handshakeTimeoutMs: 3000,
  nodeInfoTimeoutMs: 3000,
  earlyNodeInfo: true
} as const

/** What a {@link MemoryTransport} needs from the node: the same components as the TCP transport. */
export interface MemoryTransportComponents {
  /** Our identity: it signs the secret handshake and gives the transport's node ID. */
  nodeKey: NodeKey
  /** Our NodeInfo, read at each handshake (so it may change after `start`). */
  nodeInfo: () => NodeInfo
  /** Logs as `p2p:transport`. Default: disabled. */
  logger?: ComponentLogger
  /** Handshakes in flight and their duration, as on the TCP transport. */
  metrics?: Metrics
  /** Asked at the same stages as on the TCP transport. */
  peerFilter?: PeerFilter
}

/**
 * A transport whose connections are in-memory stream pairs, running the real secret handshake,
 * NodeInfo checks and MConnection: fast, deterministic tests of switches and reactors without
 * sockets.
 */
export class MemoryTransport extends TypedEventEmitter<TransportEvents> implements Transport {
  readonly [Symbol.toStringTag] = '@p2p/transport:memory'
  readonly #network: MemoryNetwork
  readonly #components: MemoryTransportComponents
  readonly #upgrader: ConnectionUpgrader
  readonly #log: Logger
  /** One abort handle per connection in the upgrade, aborted by `stop`. */
  readonly #pending = new Set<ConnAbort>()
  #queue = new AcceptQueue()
  #address: NetAddress | undefined

  constructor(components: MemoryTransportComponents, init: MemoryTransportInit, secure: SecureUpgrader, multiplexer: MultiplexerFactory) {
    super()
    this.#components = components
    this.#network = init.network
    this.#log = components.logger?.forComponent('p2p:transport') ?? disabledLogger()
    this.#upgrader = new ConnectionUpgrader({
      nodeKey: components.nodeKey,
      nodeInfo: components.nodeInfo,
      secure,
      multiplexer,
      peerFilter: components.peerFilter,
      handshakeTimeoutMs: init.handshakeTimeoutMs ?? MEMORY_TRANSPORT_DEFAULTS.handshakeTimeoutMs,
      nodeInfoTimeoutMs: init.nodeInfoTimeoutMs ?? MEMORY_TRANSPORT_DEFAULTS.nodeInfoTimeoutMs,
      earlyNodeInfo: init.earlyNodeInfo ?? MEMORY_TRANSPORT_DEFAULTS.earlyNodeInfo,
      metrics: components.metrics,
      onRejected: (remote, outbound, error) => {
        this.emit('connection:rejected', { remote, outbound, error })
        this.#log('connection %s rejected: %s', remote, error.message)
      }
    })
  }

  get nodeId(): NodeInfo['id'] {
    return this.#components.nodeKey.id
  }

  start(): void {
    if (this.#address !== undefined) return
    this.#queue = new AcceptQueue()
    this.#address = this.#network.bind(this)
  }

  async stop(): Promise<void> {
    const addr = this.#address
    if (addr === undefined) return
    this.#address = undefined
    this.#network.unbind(addr)
    for (const c of this.#pending) c.abort()
    this.#pending.clear()
    const unclaimed = this.#queue.end()
    await Promise.all([...unclaimed.map((c) => c.close()), this.#upgrader.closeAll()])
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
    if (ours === undefined) throw new NotStartedError('transport is not started')
    if (options.signal?.aborted === true) throw new AbortError()
    const remote = dialString(addr)
    const filter = this.#components.peerFilter
    if (filter?.denyOutboundConnection !== undefined) {
      try {
        await askPeerFilter(() => filter.denyOutboundConnection?.(addr), `dial ${remote}`, { addr: remote, id: addr.id })
      } catch (err) {
        this.emit('connection:rejected', { remote, outbound: true, error: err as Error })
        throw err
      }
    }
    const far = this.#network.lookup(addr)
    if (far === undefined) throw new DialError(remote, `dial ${remote}: connection refused`)
    const [local, theirs] = duplexPair()
    far.acceptStream(theirs, ours)
    return this.#upgrade(local, addr, true, options.signal, addr)
  }

  /** @internal the far end of a dial arrives here. */
  acceptStream(stream: Duplex, from: NetAddress): void {
    if (this.#address === undefined) {
      stream.destroy()
      return
    }
    this.#upgrade(stream, from, false, undefined).then(
      (conn) => this.#queue.push(conn),
      () => {}
    )
  }

  async #upgrade(stream: Duplex, from: NetAddress, outbound: boolean, caller: AbortSignal | undefined, expected?: NetAddress): Promise<PeerConnection> {
    const own = new ConnAbort()
    if (caller !== undefined) own.follow(caller)
    this.#pending.add(own)
    const raw = { remoteIp: from.ip, remotePort: from.port, outbound }
    const filter = this.#components.peerFilter
    try {
      return await this.#upgrader.upgrade(stream, {
        raw,
        remote: dialString(from),
        ...(expected === undefined ? {} : { expectedId: expected.id }),
        abort: own,
        release: () => {},
        before: async () => {
          if (!outbound && filter?.denyInboundConnection !== undefined) {
            await askPeerFilter(() => filter.denyInboundConnection?.(raw), `CONN<${dialString(from)}>`, { addr: dialString(from) })
          }
        }
      })
    } finally {
      own.done()
      this.#pending.delete(own)
    }
  }
}
