import { setMaxListeners } from 'node:events'
import {
  type AbortOptions,
  AbortError,
  type AdmitOptions,
  AlreadyConnectedError,
  type BroadcastOutcome,
  ConnectionClosedError,
  disabledLogger,
  InvalidArgumentError,
  type Logger,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  NotStartedError,
  type Peer,
  type PeerConnection,
  type PeerCounts,
  type PeerSet,
  ProtocolError,
  type Reactor,
  type RejectedError,
  type Switch,
  type SwitchEvents,
  type SwitchFacade,
  TimeoutError,
  TypedEventEmitter
} from '@p2p/types'
import { type Candidate, checkAdmission, rememberSelf, runPeerFilter } from './admission.js'
import { settlesWithin, withDeadline } from './deadline.js'
import { peerAddress, typedReason } from './log-line.js'
import type { ResolvedSwitchInit, SwitchComponents } from './index.js'
import { SwitchMetrics } from './metrics.js'
import { SwitchPeer } from './peer.js'
import { MapPeerSet } from './peer-set.js'
import { hex, ReactorRegistry } from './reactor-registry.js'
import { repeatingTask } from './repeating-task.js'

/** Pause before asking the transport for connections again after `accept` itself failed. */
const ACCEPT_RETRY_MS = 250

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function'
}

type Reservation = Candidate

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
  /** IDs being dialled; `counts` when the dial takes an outbound slot. */
  readonly #dialing = new Map<NodeID, { counts: boolean }>()
  /** Connections between the first check and the peer set: reserve ID, IP and a slot. */
  readonly #admitting = new Map<NodeID, Reservation>()
  /** Peers built but not yet in the set (stopPeer on one refuses its admission). */
  readonly #pending = new Set<SwitchPeer>()
  readonly #removals = new Map<SwitchPeer, Promise<void>>()
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
    const peers = this.#peers
    this.#peerView = {
      has: (id) => peers.has(id),
      hasIp: (ip) => peers.hasIp(ip),
      get: (id) => peers.get(id),
      list: () => peers.list(),
      get size() {
        return peers.size
      }
    }
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
    const started: Reactor[] = []
    try {
      for (const r of this.#registry.list()) {
        try {
          await this.#lifecycle(r, 'reactor-start')
        } catch (err) {
          // A start that ran out of time may have half started: it is stopped with the others.
          if (err instanceof TimeoutError) started.push(r)
          throw err
        }
        started.push(r)
      }
    } catch (err) {
      for (const r of started.reverse()) await this.#stopReactor(r)
      this.#controller = undefined
      throw err
    }
    this.#running = true
    if (this.#metrics !== undefined) {
      const m = this.#metrics
      repeatingTask(() => m.flush(this.#peers.list()), this.#init.metricsFlushIntervalMs, controller.signal)
    }
    try {
      this.#c.addrBook?.addOurAddress(this.#c.transport.listenAddress())
    } catch {
      // The transport may not listen (dial-only node): nothing to remember.
    }
    this.#acceptLoop = this.#acceptRoutine(controller.signal)
  }

  async stop(): Promise<void> {
    const controller = this.#controller
    if (controller === undefined) return
    this.#running = false
    controller.abort(new AbortError('switch stopped'))
    await this.#acceptLoop
    // Admissions and dials see the abort at their next step and close their connection.
    while (this.#tasks.size > 0 || this.#peers.size > 0) {
      await Promise.all(this.#peers.list().map((p) => this.#remove(p, undefined)))
      await Promise.allSettled([...this.#tasks])
    }
    for (const r of this.#registry.list()) await this.#stopReactor(r)
    this.#metrics?.flush()
    this.#acceptLoop = undefined
    this.#controller = undefined
  }

  /**
   * Runs a reactor's `start` or `stop`; an async one is awaited at most `reactorTimeoutMs`, then
   * rejects with `TimeoutError(phase)` (its late outcome is ignored). Sync throws propagate.
   */
  async #lifecycle(r: Reactor, phase: 'reactor-start' | 'reactor-stop'): Promise<void> {
    const res: unknown = phase === 'reactor-start' ? r.start?.() : r.stop?.()
    if (!isThenable(res)) return
    const ms = this.#init.reactorTimeoutMs
    if (!(await settlesWithin(res, ms))) {
      throw new TimeoutError(phase, ms, `reactor ${r.name} did not ${phase === 'reactor-start' ? 'start' : 'stop'} within ${ms} ms`)
    }
  }

  /** Stops one reactor, bounded; a failure or a hang is logged, never thrown (the rest still stop). */
  async #stopReactor(r: Reactor): Promise<void> {
    try {
      await this.#lifecycle(r, 'reactor-stop')
    } catch (err) {
      this.#log.error('reactor %s failed to stop: %s', r.name, typedReason(asError(err)))
    }
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
    void this.#remove(ours, reason)
  }

  async stopPeerGracefully(peer: Peer): Promise<void> {
    const ours = this.#own(peer)
    if (ours === undefined) return
    if (this.#pending.has(ours)) {
      await ours.stop(new ConnectionClosedError('peer stopped during admission'), { flush: true })
      return
    }
    await this.#remove(ours, undefined, true)
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
    return this.#dialing.has(id)
  }

  async dialPeer(addr: NetAddress, options: AbortOptions & AdmitOptions = {}): Promise<Peer> {
    const controller = this.#controller
    if (!this.#running || controller === undefined) throw new NotStartedError('switch is not started')
    if (options.signal?.aborted === true) throw new AbortError()
    if (this.#dialing.has(addr.id)) throw new AlreadyConnectedError(addr.id, 'dialing')
    if (this.#peers.has(addr.id) || this.#admitting.has(addr.id)) throw new AlreadyConnectedError(addr.id, 'connected')
    const flags = this.#flags(addr.id, options)
    this.#dialing.set(addr.id, { counts: !flags.unconditional && !flags.persistent })
    const run = (async (): Promise<Peer> => {
      try {
        // The checks that do not need the remote's NodeInfo run before we spend a handshake.
        const dialsAhead = [...this.#dialing.values()].filter((d) => d.counts).length - (flags.unconditional || flags.persistent ? 0 : 1)
        checkAdmission(
          { id: addr.id, ip: addr.ip, outbound: true, ...flags },
          this.nodeInfo().id,
          (id) => this.#peers.has(id) || this.#admitting.has(id),
          (ip) => this.#ipTaken(ip),
          this.#occupancy(dialsAhead),
          this.#init
        )
        const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal])
        const conn = await withDeadline(
          'dial',
          this.#init.dialTimeoutMs,
          signal,
          (s) => this.#c.transport.dial(addr, { signal: s }),
          (late) => void late.close().catch(() => {})
        )
        return await this.#admit(conn, flags, addr)
      } catch (err) {
        const error = asError(err)
        if (error.name === 'RejectedError' && (error as RejectedError).reason === 'self') rememberSelf(this.#c.addrBook, addr, this.#log)
        this.#log('dial failed %s outbound reason=%s', peerAddress(addr.id, addr), typedReason(error))
        this.events.emit('dial:error', { addr, error })
        throw error
      } finally {
        this.#dialing.delete(addr.id)
      }
    })()
    return this.#track(run)
  }

  addPeer(conn: PeerConnection, options: AdmitOptions = {}): Promise<Peer> {
    return this.#track(this.#admit(conn, this.#flags(conn.remoteInfo.id, options), undefined))
  }

  // ---- internals ----

  #flags(id: NodeID, options: AdmitOptions): { persistent: boolean; unconditional: boolean } {
    return {
      persistent: options.persistent === true || this.#init.persistentPeerIds.has(id),
      unconditional: options.unconditional === true || this.#init.unconditionalPeerIds.has(id)
    }
  }

  #own(peer: Peer): SwitchPeer | undefined {
    if (!(peer instanceof SwitchPeer)) return undefined
    if (this.#peers.get(peer.id) === peer || this.#pending.has(peer)) return peer
    return undefined
  }

  #ipTaken(ip: string): boolean {
    if (this.#peers.hasIp(ip)) return true
    for (const r of this.#admitting.values()) if (r.ip === ip) return true
    return false
  }

  /** Peers counting against the limits, plus admissions in progress and `extraOutbound` dials. */
  #occupancy(extraOutbound = 0): { inbound: number; outbound: number } {
    const n = this.numPeers()
    let inbound = n.inbound
    let outbound = n.outbound + extraOutbound
    for (const r of this.#admitting.values()) {
      if (r.unconditional) continue
      if (r.outbound) outbound++
      else inbound++
    }
    return { inbound, outbound }
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#tasks.add(p)
    const done = (): void => {
      this.#tasks.delete(p)
    }
    p.then(done, done)
    return p
  }

  async #admit(conn: PeerConnection, flags: { persistent: boolean; unconditional: boolean }, dialled: NetAddress | undefined): Promise<Peer> {
    const controller = this.#controller
    const id = conn.remoteInfo.id
    const candidate: Candidate = { id, ip: (dialled ?? conn.remoteAddr).ip, outbound: conn.outbound, ...flags }
    let reserved = false
    try {
      if (!this.#running || controller === undefined) throw new NotStartedError('switch is not started')
      checkAdmission(candidate, this.nodeInfo().id, (i) => this.#peers.has(i) || this.#admitting.has(i), (ip) => this.#ipTaken(ip), this.#occupancy(), this.#init)
      this.#admitting.set(id, candidate)
      reserved = true
      await runPeerFilter(this.#c.peerFilter, conn, this.#init.filterTimeoutMs, controller.signal)
      if (controller.signal.aborted) throw new AbortError('switch stopped')
      const peer = new SwitchPeer({ conn, ...flags, socketAddr: dialled ?? conn.remoteAddr, metrics: this.#metrics })
      this.#admitting.delete(id)
      reserved = false
      return this.#startPeer(peer)
    } catch (err) {
      if (reserved) this.#admitting.delete(id)
      const error = asError(err)
      await conn.close({ reason: error }).catch(() => {})
      if (error.name === 'RejectedError') {
        this.#log('peer refused %s %s reason=%s', peerAddress(id, conn.remoteAddr), conn.outbound ? 'outbound' : 'inbound', typedReason(error))
        this.events.emit('peer:rejected', { addr: conn.remoteAddr, outbound: conn.outbound, error })
      }
      throw error
    }
  }

  /** Go's order: `initPeer` on every reactor, start the connection, peer set, `addPeer` on every reactor. Synchronous. */
  #startPeer(peer: SwitchPeer): Peer {
    const reactors = this.#registry.list()
    this.#pending.add(peer)
    try {
      const inited: Reactor[] = []
      try {
        for (const r of reactors) {
          r.initPeer?.(peer)
          inited.push(r)
        }
        peer.conn.start(this.#registry.descriptors(), {
          onReceive: (ch, msg) => this.#receive(peer, ch, msg),
          onClose: (error) => this.#onConnClose(peer, error)
        })
      } catch (err) {
        void peer.stop(asError(err))
        this.#unwind(inited, peer, asError(err))
        throw err
      }
      // Stopped during initPeer or closed at once: refuse, and let the reactors forget it.
      if (peer.stopped) {
        const reason = peer.signal.reason instanceof Error ? peer.signal.reason : new ConnectionClosedError('peer closed during admission')
        this.#unwind(reactors, peer, reason)
        throw reason
      }
      this.#peers.add(peer)
    } finally {
      this.#pending.delete(peer)
    }
    this.#metrics?.peerAdded(peer.outbound)
    this.#adding.add(peer)
    try {
      for (const r of this.#registry.list()) {
        if (peer.stopped) break
        try {
          r.addPeer?.(peer)
        } catch (err) {
          this.#log.error('reactor %s failed to add peer %s: %s', r.name, peer.id, asError(err).message)
          this.stopPeer(peer, asError(err))
        }
      }
    } finally {
      this.#adding.delete(peer)
    }
    if (peer.outbound && !peer.stopped) {
      try {
        this.#c.addrBook?.markGood(peer.socketAddr)
      } catch (err) {
        this.#log.error('address book markGood failed: %s', asError(err).message)
      }
    }
    this.#log('peer added %s %s', peerAddress(peer.id, peer.socketAddr), peer.outbound ? 'outbound' : 'inbound')
    // Always announced once it was in the set, so every peer:remove follows its peer:add (a
    // removal started meanwhile waits for this, see #doRemove).
    this.events.emit('peer:add', peer)
    return peer
  }

  #unwind(reactors: readonly Reactor[], peer: SwitchPeer, reason: Error): void {
    for (const r of reactors) {
      try {
        r.removePeer?.(peer, reason)
      } catch (err) {
        this.#log.error('reactor %s failed to remove peer %s: %s', r.name, peer.id, asError(err).message)
      }
    }
  }

  #receive(peer: SwitchPeer, channelId: number, message: Uint8Array): void {
    if (peer.stopped) return
    const reactor = this.#registry.forChannel(channelId)
    if (reactor === undefined) {
      this.stopPeer(peer, new ProtocolError(`message on channel ${hex(channelId)} that no reactor owns`))
      return
    }
    this.#metrics?.received(peer.id, channelId, message.length, message)
    try {
      reactor.receive({ channelId, src: peer, message })
    } catch (err) {
      this.#log.error('reactor %s failed on a message from %s: %s', reactor.name, peer.id, asError(err).message)
      this.stopPeer(peer, asError(err))
    }
  }

  #onConnClose(peer: SwitchPeer, error: Error | undefined): void {
    if (this.#peers.get(peer.id) === peer) void this.#remove(peer, error)
    else void peer.stop(error ?? new ConnectionClosedError())
  }

  /** Removes `peer` once; every caller shares the same completion. */
  #remove(peer: SwitchPeer, reason: Error | undefined, flush = false): Promise<void> {
    const existing = this.#removals.get(peer)
    if (existing !== undefined) return existing
    let resolve!: () => void
    const done = new Promise<void>((r) => {
      resolve = r
    })
    this.#removals.set(peer, done)
    this.#track(done)
    this.#doRemove(peer, reason, flush).finally(() => {
      this.#removals.delete(peer)
      resolve()
    })
    return done
  }

  async #doRemove(peer: SwitchPeer, reason: Error | undefined, flush: boolean): Promise<void> {
    const closing = peer.stop(reason, { flush })
    this.#track(closing)
    // Stopped from inside a reactor's addPeer: let the admission finish and announce the peer.
    if (this.#adding.has(peer)) await Promise.resolve()
    if (flush) await closing
    for (const r of this.#registry.list()) {
      try {
        const res: unknown = r.removePeer?.(peer, reason)
        // An async removePeer is awaited: the peer stays in the set (so its ID stays taken)
        // until every reactor is done with it (tendermint#3338) — for a bounded time, so one
        // hung reactor cannot hold the ID, or stop(), forever.
        if (isThenable(res)) {
          const ms = this.#init.removePeerTimeoutMs
          if (!(await settlesWithin(res, ms))) {
            const err = new TimeoutError('remove-peer', ms, `reactor ${r.name} did not finish removing the peer within ${ms} ms`)
            this.#log.error('remove peer %s reason=%s', peerAddress(peer.id, peer.socketAddr), typedReason(err))
          }
        }
      } catch (err) {
        this.#log.error('reactor %s failed to remove peer %s: %s', r.name, peer.id, asError(err).message)
      }
    }
    if (this.#peers.remove(peer)) {
      this.#metrics?.peerRemoved(peer.id, peer.outbound)
      this.#log('peer removed %s %s reason=%s', peerAddress(peer.id, peer.socketAddr), peer.outbound ? 'outbound' : 'inbound', typedReason(reason))
      this.events.emit('peer:remove', { peer, reason })
    }
  }

  async #acceptRoutine(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const conn of this.#c.transport.accept({ signal })) {
          if (signal.aborted) {
            await conn.close().catch(() => {})
            return
          }
          // Admission runs on its own: one slow filter or bad connection never holds the loop.
          this.addPeer(conn).catch((err: unknown) => {
            const e = asError(err)
            if (e.name !== 'RejectedError') this.#log('inbound connection from %s dropped: %s', conn.remoteAddr.ip, e.message)
          })
        }
        if (!signal.aborted) this.#log('transport closed: accept loop ends')
        return
      } catch (err) {
        if (signal.aborted) return
        this.#log.error('accept failed: %s; accepting again', asError(err).message)
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, ACCEPT_RETRY_MS)
          function done(): void {
            clearTimeout(t)
            signal.removeEventListener('abort', done)
            resolve()
          }
          signal.addEventListener('abort', done, { once: true })
        })
      }
    }
  }
}
