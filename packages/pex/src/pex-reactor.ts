import {
  type AddrBook,
  type ChannelDescriptor,
  type Dialer,
  type Envelope,
  type Logger,
  type Metrics,
  MisbehaviourError,
  type MisbehaviourKind,
  type NetAddress,
  NotStartedError,
  nodeInfoAddressLiteral,
  type Peer,
  type Reactor,
  type RepeatingTask,
  repeatingTask,
  type Startable,
  type SwitchFacade
} from '@p2p/types'
import { addToBook, type AddrsIntake, checkAddrs, takeAddrs } from './addrs-intake.js'
import { answerBytes } from './answer.js'
import { LivenessRecord } from './liveness.js'
import {
  decodePexMessage,
  encodePexRequest,
  MAX_PEX_MESSAGE_SIZE,
  PEX_CHANNEL,
  pexMessageType,
  type ProtoNetAddress
} from './messages.js'
import { PexMetrics, type PexMessageType } from './pex-metrics.js'
import { type PexConfig, seedCrawlOptions } from './pex-config.js'
import { PeerPexState } from './request-limiter.js'
import { SeedCrawler } from './seed-crawler.js'

export interface PexReactorComponents {
  addrBook: AddrBook
  dialer?: Dialer
  log: Logger
  metrics?: Metrics
}

/**
 * The PEX reactor (Go `p2p/pex.Reactor`, protocol side only): answers `PexRequest`s from the
 * book, asks peers for addresses when the book needs them, enforces Go's request rate and
 * one-outstanding-request rules, and in seed mode crawls the network through the `Dialer`.
 * Misbehaving peers are stopped with a `MisbehaviourError` and banned in the book.
 */
export class PexReactor implements Reactor, Startable {
  readonly name = 'PEX'
  readonly [Symbol.toStringTag] = '@p2p/pex'
  readonly #config: PexConfig
  readonly #book: AddrBook
  readonly #dialer: Dialer | undefined
  readonly #log: Logger
  readonly #peers = new Map<string, PeerPexState>()
  readonly #liveness: LivenessRecord
  readonly #crawler: SeedCrawler | undefined
  readonly #metrics: PexMetrics
  readonly #intake: AddrsIntake
  #sw: SwitchFacade | undefined
  #controller: AbortController | undefined
  #task: RepeatingTask | undefined

  constructor(components: PexReactorComponents, config: PexConfig) {
    this.#config = config
    this.#book = components.addrBook
    this.#dialer = components.dialer
    this.#log = components.log
    this.#metrics = new PexMetrics(components.metrics)
    this.#liveness = new LivenessRecord({
      freshnessWindowMs: config.freshnessWindowMs,
      minReporters: config.minReporters,
      maxEntries: config.maxLivenessEntries,
      maxReportersPerEntry: Math.max(8, config.minReporters * 2)
    })
    this.#intake = {
      book: this.#book,
      liveness: this.#liveness,
      metrics: this.#metrics,
      log: this.#log,
      privatePeerIds: config.privatePeerIds,
      seedMode: config.seedMode
    }
    if (config.seedMode && components.dialer !== undefined) {
      const dialer = components.dialer
      this.#crawler = new SeedCrawler(
        {
          book: this.#book,
          dialer,
          liveness: this.#liveness,
          log: this.#log,
          sw: () => this.#switch(),
          now: () => Date.now(),
          random: config.random,
          requestAddrs: (peer) => this.requestAddrs(peer),
          onDial: (result) => this.#metrics.crawlDial(result)
        },
        seedCrawlOptions(config)
      )
    }
  }

  /** The seed-mode crawler (undefined unless in seed mode); exposed for tests and tools. */
  get crawler(): SeedCrawler | undefined {
    return this.#crawler
  }

  /** The seed's liveness record (beyond Go); empty unless in seed mode. */
  get liveness(): LivenessRecord {
    return this.#liveness
  }

  channels(): ChannelDescriptor[] {
    return [{ id: PEX_CHANNEL, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: MAX_PEX_MESSAGE_SIZE }]
  }

  attach(sw: SwitchFacade): void {
    this.#sw = sw
  }

  #switch(): SwitchFacade {
    if (this.#sw === undefined) throw new NotStartedError('the PEX reactor is not attached to a switch')
    return this.#sw
  }

  start(): void {
    if (this.#controller !== undefined) return
    this.#switch()
    const controller = new AbortController()
    this.#controller = controller
    const { config } = this
    if (config.seedMode) {
      const crawler = this.#crawler
      if (crawler === undefined) return
      // Go crawls at once on start, then every crawl period.
      this.#task = repeatingTask((signal) => crawler.round(signal), {
        intervalMs: config.crawlPeriodMs,
        firstDelayMs: 0,
        signal: controller.signal,
        onError: (err) => this.#log.error('crawl round failed: %s', err)
      })
    } else {
      // A jittered first tick, so nodes started together do not ask in step.
      this.#task = repeatingTask(() => this.ensurePeers(), {
        intervalMs: config.ensurePeersPeriodMs,
        firstDelayMs: Math.floor(config.random() * config.ensurePeersPeriodMs),
        signal: controller.signal,
        onError: (err) => this.#log.error('ensure-peers tick failed: %s', err)
      })
    }
  }

  async stop(): Promise<void> {
    const controller = this.#controller
    if (controller === undefined) return
    controller.abort()
    await this.#task?.done
    this.#task = undefined
    this.#controller = undefined
  }

  get config(): Readonly<PexConfig> {
    return this.#config
  }

  initPeer(peer: Peer): void {
    this.#state(peer)
  }

  addPeer(peer: Peer): void {
    this.#state(peer)
    if (peer.outbound) {
      if (this.#config.seedMode) this.#liveness.verified(peer.socketAddr, Date.now())
      if (this.#book.needMoreAddrs()) this.requestAddrs(peer)
      return
    }
    // An inbound peer is its own source; we do not ask it at once (Go trusts inbound peers less
    // and leaves them to the ensure tick).
    const addr = this.#selfReported(peer)
    if (addr === undefined || this.#config.privatePeerIds.has(peer.id)) return
    // As for addresses in a PexAddrs: only what the book takes counts as a report (an
    // unspecified 0.0.0.0 listen address must not replace what a dial verified for this ID).
    const rejected = addToBook(this.#book, this.#log, addr, addr)
    if (rejected === undefined && this.#config.seedMode) this.#liveness.reported(addr, peer.id, Date.now())
  }

  removePeer(peer: Peer): void {
    this.#peers.delete(peer.id)
  }

  /** True while a request to `peer` is unanswered. */
  hasOutstandingRequest(peer: Peer): boolean {
    return this.#peers.get(peer.id)?.outstanding === true
  }

  /** The per-peer state, for tests; undefined once the peer is removed. */
  peerState(id: string): PeerPexState | undefined {
    return this.#peers.get(id)
  }

  #state(peer: Peer): PeerPexState {
    let state = this.#peers.get(peer.id)
    if (state === undefined) {
      const { minReceiveIntervalMs, minSendIntervalMs } = this.#config
      state = new PeerPexState(minReceiveIntervalMs, minSendIntervalMs)
      this.#peers.set(peer.id, state)
    }
    return state
  }

  /**
   * Sends `peer` a `PexRequest` unless one is outstanding or Go's rate rule (which the remote
   * enforces on us) would be broken. Returns true when a request was queued.
   */
  requestAddrs(peer: Peer): boolean {
    if (peer.stopped ?? peer.signal.aborted) return false
    const state = this.#state(peer)
    if (state.outstanding || state.stopped) {
      this.#metrics.requestSkipped(state.stopped ? 'stopped' : 'outstanding')
      return false
    }
    const now = Date.now()
    if (!state.sent.allows(now)) {
      this.#metrics.requestSkipped('too-soon')
      return false
    }
    state.outstanding = true
    state.sent.record(now)
    this.#send(peer, encodePexRequest(), 'request').then(
      (queued) => {
        // Not sent: nothing to wait for, so do not block the next request.
        if (!queued && this.#peers.get(peer.id) === state) state.outstanding = false
      },
      () => {}
    )
    return true
  }

  /**
   * The ensure tick: when the book needs addresses, ask one random connected peer that may be
   * asked now (no request outstanding, within the rate rule).
   */
  ensurePeers(): void {
    if (!this.#book.needMoreAddrs()) return
    const now = Date.now()
    const candidates = this.#switch()
      .peers()
      .list()
      .filter((p) => {
        const s = this.#peers.get(p.id)
        return !(p.stopped ?? p.signal.aborted) && (s === undefined || (!s.outstanding && !s.stopped && s.sent.allows(now)))
      })
    if (candidates.length === 0) return
    const peer = candidates[Math.floor(this.#config.random() * candidates.length)] as Peer
    this.#log('book needs addresses: asking %s', peer.id)
    this.requestAddrs(peer)
  }

  /** Go's `message_type` metric label of a message on the PEX channel (see {@link pexMessageType}). */
  messageType(_channelId: number, message: Uint8Array): string | undefined {
    return pexMessageType(message)
  }

  receive(envelope: Envelope): void {
    const peer = envelope.src
    // A message from a peer already removed (or being stopped by us) changes nothing.
    if (peer.stopped ?? peer.signal.aborted) return
    const state = this.#state(peer)
    if (state.stopped) return
    let message: ReturnType<typeof decodePexMessage>
    try {
      message = decodePexMessage(envelope.message, { maxAddrs: this.#config.maxAddrsPerMessage })
    } catch (err) {
      this.#metrics.received('invalid')
      if (err instanceof Error && err.name === 'MessageTooLargeError') {
        this.#misbehave(peer, state, 'pex-too-many-addrs', err.message, err, true)
      } else {
        this.#misbehave(peer, state, 'bad-message', `invalid PEX message: ${(err as Error).message}`, err, false)
      }
      return
    }
    this.#metrics.received(message.type)
    if (message.type === 'request') this.#onRequest(peer, state)
    else this.#onAddrs(peer, state, message.addrs)
  }

  #onRequest(peer: Peer, state: PeerPexState): void {
    const { config } = this
    if (config.seedMode && !peer.outbound) {
      // A seed answers an inbound peer once, then flushes and hangs up; later requests on the
      // same connection are ignored, with no rate check.
      if (state.seedAnswered) {
        this.#metrics.requestRefused('seed-answered')
        return
      }
      state.seedAnswered = true
      const sw = this.#switch()
      this.#answer(peer, config.seedBiasTowardsNewPct)
        .then(() => sw.stopPeerGracefully(peer))
        .catch((err: unknown) => this.#log('seed hang-up on %s failed: %s', peer.id, err))
      return
    }
    const now = Date.now()
    if (!state.received.tryRecord(now)) {
      const since = now - state.received.last
      this.#metrics.requestRefused('too-soon')
      this.#misbehave(
        peer,
        state,
        'pex-request-flood',
        `peer (${peer.id}) sent next PEX request too soon: ${since} ms after the last, minimum ${state.received.minIntervalMs} ms`,
        undefined,
        true
      )
      return
    }
    void this.#answer(peer, undefined)
  }

  /** Sends `peer` a selection from the book; resolves once it is queued (or could not be). */
  #answer(peer: Peer, bias: number | undefined): Promise<boolean> {
    const c = this.#config
    const source = { book: this.#book, liveness: this.#liveness, seedMode: c.seedMode, maxAddrsPerMessage: c.maxAddrsPerMessage, privatePeerIds: c.privatePeerIds, random: c.random }
    return this.#send(peer, answerBytes(source, peer.id, this.#switch().nodeInfo().id, bias, Date.now()), 'addrs')
  }

  #onAddrs(peer: Peer, state: PeerPexState, wire: readonly ProtoNetAddress[]): void {
    const checked = checkAddrs(wire)
    if ('problem' in checked) {
      this.#misbehave(peer, state, 'pex-invalid-addr', checked.problem, checked.cause, true)
      return
    }
    if (!state.outstanding) {
      this.#misbehave(peer, state, 'pex-unsolicited-addrs', `unsolicited PexAddrs from ${peer.id}`, undefined, true)
      return
    }
    state.outstanding = false
    const src = this.#selfReported(peer) ?? peer.socketAddr
    takeAddrs(this.#intake, checked.addrs, src, peer.id, this.#switch().nodeInfo().id, Date.now())
  }

  /** The peer's self-reported listen address (Go `NodeInfo.NetAddress`), if it is an IP literal. */
  #selfReported(peer: Peer): NetAddress | undefined {
    try {
      return nodeInfoAddressLiteral(peer.nodeInfo)
    } catch (err) {
      this.#log('peer %s reports no usable address: %s', peer.id, (err as Error).message)
      return undefined
    }
  }

  #misbehave(peer: Peer, state: PeerPexState, kind: MisbehaviourKind, message: string, cause: unknown, ban: boolean): void {
    state.stopped = true
    this.#metrics.misbehaviour(kind)
    this.#log('stopping %s: %s', peer.id, message)
    const err = new MisbehaviourError(kind, message, cause === undefined ? undefined : { cause })
    this.#switch().stopPeer(peer, err)
    if (ban) this.#book.markBad(peer.socketAddr, this.#config.banMs)
  }

  /** Queues `message` at once if there is room, else waits (Go's blocking `Send`). */
  #send(peer: Peer, message: Uint8Array, type: PexMessageType): Promise<boolean> {
    if (peer.trySend(PEX_CHANNEL, message)) {
      this.#metrics.sent(type)
      return Promise.resolve(true)
    }
    return peer
      .send(PEX_CHANNEL, message, { signal: peer.signal })
      .catch(() => false)
      .then((queued) => {
        if (queued) this.#metrics.sent(type)
        else this.#metrics.sendFailed(type)
        return queued
      })
  }
}
