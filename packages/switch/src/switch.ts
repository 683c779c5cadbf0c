import { setMaxListeners } from 'node:events'
import {
  type AbortOptions,
  AbortError,
  type AdmitOptions,
  type BroadcastOutcome,
  ConnectionClosedError,
  disabledLogger,
  InvalidArgumentError,
  type Logger,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  type Peer,
  type PeerConnection,
  type PeerCounts,
  type PeerSet,
  type Reactor,
  repeatingTask,
  type Switch,
  type SwitchEvents,
  type SwitchFacade,
  TypedEventEmitter
} from '@p2p/types'
import { acceptLoop } from './accept-loop.js'
import { type AdmissionContext, admitConnection, admitFlags, dialAndAdmit } from './admission.js'
import type { ResolvedSwitchInit, SwitchComponents } from './index.js'
import { SwitchMetrics } from './metrics.js'
import { SwitchPeer } from './peer.js'
import { PeerRemovals } from './peer-removal.js'
import type { PeerStartContext } from './peer-start.js'
import { MapPeerSet } from './peer-set.js'
import { startReactors, stopReactor } from './reactor-lifecycle.js'
import { ReactorRegistry } from './reactor-registry.js'
import { Reservations } from './reservations.js'
import { asError } from './util.js'

/**
 * Go's `Switch`: owns the reactors and the peers, turns connections into peers (`addPeer`),
 * dials on request (`dialPeer`, one dial per ID), accepts inbound connections, and removes
 * peers so that a reconnecting peer never meets a reactor still removing its old self.
 */
export class P2PSwitch implements Switch {
  readonly [Symbol.toStringTag] = '@p2p/switch'
  readonly events = new TypedEventEmitter<SwitchEvents>()
  readonly #c: SwitchComponents
  readonly #init: ResolvedSwitchInit
  readonly #log: Logger
  readonly #registry = new ReactorRegistry()
  readonly #peers = new MapPeerSet<SwitchPeer>()
  readonly #peerView: PeerSet
  readonly #facade: SwitchFacade
  readonly #metrics: SwitchMetrics | undefined
  readonly #reservations = new Reservations(this.#peers)
  /** Peers built but not yet in the set (stopPeer on one refuses its admission). */
  readonly #pending = new Set<SwitchPeer>()
  readonly #removals: PeerRemovals
  readonly #starting: PeerStartContext
  readonly #admission: AdmissionContext
  /** Peers in the set whose reactors' `addPeer` is running. */
  readonly #adding = new Set<SwitchPeer>()
  /** Everything in flight that `stop` must wait for. */
  readonly #tasks = new Set<Promise<unknown>>()
  #controller: AbortController | undefined
  #running = false
  #acceptLoop: Promise<void> | undefined

  constructor(components: SwitchComponents, init: ResolvedSwitchInit) {
    this.#c = components
    this.#init = init
    this.#log = components.logger?.forComponent('p2p:switch') ?? disabledLogger()
    this.#metrics = components.metrics === undefined ? undefined : new SwitchMetrics(components.metrics, init.perPeerMetricLabels, (ch, msg) => this.#registry.forChannel(ch)?.messageType?.(ch, msg))
    this.#removals = new PeerRemovals({
      reactors: () => this.#registry.list(),
      peers: this.#peers,
      removePeerTimeoutMs: init.removePeerTimeoutMs,
      metrics: this.#metrics,
      log: this.#log,
      adding: this.#adding,
      track: (p) => void this.#track(p),
      announce: (peer, reason) => this.events.emit('peer:remove', { peer, reason })
    })
    this.#starting = {
      registry: this.#registry,
      peers: this.#peers,
      pending: this.#pending,
      adding: this.#adding,
      metrics: this.#metrics,
      addrBook: components.addrBook,
      log: this.#log,
      connClosed: (peer, error) => this.#removals.connClosed(peer, error),
      stopPeer: (peer, reason) => this.stopPeer(peer, reason),
      announce: (peer) => this.events.emit('peer:add', peer)
    }
    this.#admission = {
      components,
      init,
      reservations: this.#reservations,
      metrics: this.#metrics,
      starting: this.#starting,
      log: this.#log,
      events: this.events,
      running: () => (this.#running ? this.#controller?.signal : undefined),
      nodeInfo: () => this.nodeInfo(),
      numPeers: () => this.numPeers(),
      track: (p) => this.#track(p)
    }
    this.#peerView = this.#peers.readOnlyView()
    // Reactors get this narrow view, never the switch itself (no dialing, no admission).
    this.#facade = {
      nodeInfo: () => this.nodeInfo(),
      peers: () => this.peers(),
      numPeers: () => this.numPeers(),
      broadcast: (ch, msg) => this.broadcast(ch, msg),
      stopPeer: (peer, reason) => this.stopPeer(peer, reason),
      stopPeerGracefully: (peer) => this.stopPeerGracefully(peer),
      markPeerAsGood: (peer) => this.markPeerAsGood(peer),
      events: this.events
    }
  }

  // ---- reactors ----

  addReactor(reactor: Reactor): void {
    if (this.#running) throw new InvalidArgumentError(`add reactor ${reactor.name} before the switch starts`)
    this.#registry.add(reactor)
    reactor.attach(this.#facade)
  }

  removeReactor(name: string): void {
    this.#registry.remove(name)
  }

  reactor(name: string): Reactor | undefined {
    return this.#registry.get(name)
  }

  // ---- lifecycle ----

  async start(): Promise<void> {
    if (this.#running || this.#controller !== undefined) return
    const controller = new AbortController()
    // Every dial and admission in flight listens to it: many at once is normal, not a leak.
    setMaxListeners(Number.POSITIVE_INFINITY, controller.signal)
    this.#controller = controller
    try {
      await startReactors(this.#registry.list(), this.#init.reactorTimeoutMs, this.#log)
    } catch (err) {
      this.#controller = undefined
      throw err
    }
    this.#running = true
    if (this.#metrics !== undefined) {
      const m = this.#metrics
      // The flush calls the caller's metrics sink: a sink that throws is logged, never a crash.
      repeatingTask(() => m.flush(this.#peers.list()), {
        intervalMs: this.#init.metricsFlushIntervalMs,
        signal: controller.signal,
        onError: (err) => this.#log.error('metrics flush failed: %s', asError(err).message)
      })
    }
    try {
      this.#c.addrBook?.addOurAddress(this.#c.transport.listenAddress())
    } catch {
      // The transport may not listen (dial-only node): nothing to remember.
    }
    this.#acceptLoop = acceptLoop(this.#c.transport, controller.signal, (conn) => this.addPeer(conn), this.#log)
  }

  async stop(): Promise<void> {
    const controller = this.#controller
    if (controller === undefined) return
    this.#running = false
    controller.abort(new AbortError('switch stopped'))
    await this.#acceptLoop
    // Admissions and dials see the abort at their next step and close their connection.
    while (this.#tasks.size > 0 || this.#peers.size > 0) {
      await Promise.all(this.#peers.list().map((p) => this.#removals.remove(p, undefined)))
      await Promise.allSettled([...this.#tasks])
    }
    for (const r of this.#registry.list()) await stopReactor(r, this.#init.reactorTimeoutMs, this.#log)
    this.#metrics?.flush()
    this.#acceptLoop = undefined
    this.#controller = undefined
  }

  // ---- facade ----

  nodeInfo(): NodeInfo {
    return this.#c.nodeInfo()
  }

  peers(): PeerSet {
    return this.#peerView
  }

  numPeers(): PeerCounts {
    let outbound = 0
    let inbound = 0
    for (const p of this.#peers.list()) {
      if (p.unconditional) continue
      if (p.outbound) outbound++
      else inbound++
    }
    return { outbound, inbound }
  }

  async broadcast(channelId: number, message: Uint8Array): Promise<BroadcastOutcome[]> {
    // A snapshot: peers added or removed meanwhile do not disturb the iteration.
    const peers = this.#peers.list()
    // No signal per send: stop() removes every peer, which ends their waiting sends (false).
    return Promise.all(
      peers.map(async (peer) => {
        const queued = await peer.send(channelId, message).catch(() => false)
        return { peer, queued }
      })
    )
  }

  stopPeer(peer: Peer, reason: Error | undefined): void {
    if (peer instanceof SwitchPeer && this.#pending.has(peer)) {
      // Not in the set yet: its admission sees the stop and refuses it (Go's "removal failed").
      void peer.stop(reason ?? new ConnectionClosedError('peer stopped during admission'))
      return
    }
    const ours = this.#own(peer)
    if (ours === undefined) {
      this.#log('stopPeer: %s is not a peer of this switch', peer.id)
      return
    }
    void this.#removals.remove(ours, reason)
  }

  async stopPeerGracefully(peer: Peer): Promise<void> {
    const ours = this.#own(peer)
    if (ours === undefined) return
    if (this.#pending.has(ours)) {
      await ours.stop(new ConnectionClosedError('peer stopped during admission'), { flush: true })
      return
    }
    await this.#removals.remove(ours, undefined, true)
  }

  /**
   * Go's `Switch.MarkPeerAsGood`: tells the address book (if any) that `peer` did something
   * useful, so its address moves to the book's tried set. Does nothing for a peer this switch
   * does not hold (or holds no more); a book that throws is logged, never thrown.
   */
  markPeerAsGood(peer: Peer): void {
    const book = this.#c.addrBook
    if (book === undefined) return
    const ours = this.#own(peer)
    if (ours === undefined || ours.stopped) return
    // The book is keyed by ID: the address of an inbound peer is its socket's, with its ID.
    const addr = ours.socketAddr.id === ours.id ? ours.socketAddr : { ...ours.socketAddr, id: ours.id }
    try {
      book.markGood(addr)
    } catch (err) {
      this.#log.error('address book markGood failed: %s', asError(err).message)
    }
  }

  // ---- admission ----

  isDialing(id: NodeID): boolean {
    return this.#reservations.isDialing(id)
  }

  dialPeer(addr: NetAddress, options: AbortOptions & AdmitOptions = {}): Promise<Peer> {
    return dialAndAdmit(this.#admission, addr, options)
  }

  addPeer(conn: PeerConnection, options: AdmitOptions = {}): Promise<Peer> {
    return this.#track(admitConnection(this.#admission, conn, admitFlags(conn.remoteInfo.id, options, this.#init), undefined))
  }

  // ---- internals ----

  #own(peer: Peer): SwitchPeer | undefined {
    if (!(peer instanceof SwitchPeer)) return undefined
    if (this.#peers.get(peer.id) === peer || this.#pending.has(peer)) return peer
    return undefined
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#tasks.add(p)
    const done = (): void => {
      this.#tasks.delete(p)
    }
    p.then(done, done)
    return p
  }
}
