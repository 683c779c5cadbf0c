import {
  type AddrBook,
  type ChannelDescriptor,
  type Dialer,
  type Envelope,
  type Logger,
  type Metrics,
  NotStartedError,
  type Peer,
  type Reactor,
  type RepeatingTask,
  repeatingTask,
  type Startable,
  type SwitchFacade
} from '@p2p/types'
import { addToBook, type AddrsIntake, receiveAddrs, selfReportedAddress } from './addrs-intake.js'
import { type AnswerHost, answerRequest } from './answer.js'
import { LivenessRecord } from './liveness.js'
import { decodePexMessage, MAX_PEX_MESSAGE_SIZE, PEX_CHANNEL, pexMessageType } from './messages.js'
import { misbehave } from './misbehaviour.js'
import { PexMetrics } from './pex-metrics.js'
import { type PexConfig, seedCrawlOptions } from './pex-config.js'
import { askablePeers, askForAddrs, PeerPexState, type RequestHost } from './request-limiter.js'
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
  readonly #log: Logger
  readonly #peers = new Map<string, PeerPexState>()
  readonly #liveness: LivenessRecord
  readonly #crawler: SeedCrawler | undefined
  readonly #metrics: PexMetrics
  /** Built once: what taking addresses, answering and asking need from the reactor. */
  readonly #host: AddrsIntake & AnswerHost & RequestHost
  #sw: SwitchFacade | undefined
  #controller: AbortController | undefined
  #task: RepeatingTask | undefined

  constructor(components: PexReactorComponents, config: PexConfig) {
    this.#config = config
    this.#book = components.addrBook
    this.#log = components.log
    this.#metrics = new PexMetrics(components.metrics)
    this.#liveness = new LivenessRecord({
      freshnessWindowMs: config.freshnessWindowMs,
      minReporters: config.minReporters,
      maxEntries: config.maxLivenessEntries,
      maxReportersPerEntry: Math.max(8, config.minReporters * 2)
    })
    this.#host = {
      config,
      book: this.#book,
      liveness: this.#liveness,
      metrics: this.#metrics,
      log: this.#log,
      privatePeerIds: config.privatePeerIds,
      seedMode: config.seedMode,
      states: this.#peers,
      state: (peer) => this.#state(peer),
      sw: () => this.#switch()
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
    const addr = selfReportedAddress(peer, this.#log)
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
    return askForAddrs(this.#host, peer)
  }

  /**
   * The ensure tick: when the book needs addresses, ask one random connected peer that may be
   * asked now (no request outstanding, within the rate rule).
   */
  ensurePeers(): void {
    if (!this.#book.needMoreAddrs()) return
    const now = Date.now()
    const candidates = askablePeers(this.#switch().peers().list(), this.#peers, now)
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
        misbehave(this.#host, peer, state, 'pex-too-many-addrs', err.message, err, true)
      } else {
        misbehave(this.#host, peer, state, 'bad-message', `invalid PEX message: ${(err as Error).message}`, err, false)
      }
      return
    }
    this.#metrics.received(message.type)
    if (message.type === 'request') answerRequest(this.#host, peer, state)
    else receiveAddrs(this.#host, peer, state, message.addrs)
  }
}
