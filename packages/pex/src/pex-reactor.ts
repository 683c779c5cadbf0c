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
  netAddressProblem,
  netAddressString,
  nodeInfoAddressLiteral,
  type Peer,
  type Reactor,
  type RepeatingTask,
  repeatingTask,
  type Startable,
  type SwitchFacade
} from '@p2p/types'
import { LivenessRecord } from './liveness.js'
import {
  decodePexMessage,
  encodePexAddrs,
  encodePexRequest,
  MAX_PEX_MESSAGE_SIZE,
  netAddressesFromProto,
  PEX_CHANNEL,
  pexMessageType,
  type ProtoNetAddress
} from './messages.js'
import { addrRejectedReason, type PexAddrRejectedReason, PexMetrics, type PexMessageType } from './pex-metrics.js'
import { PeerPexState } from './request-limiter.js'
import { SeedCrawler } from './seed-crawler.js'

/** Every option of the reactor, resolved (see `PexInit` for what each means). */
export interface PexConfig {
  seedMode: boolean
  ensurePeersPeriodMs: number
  minReceiveIntervalMs: number
  minSendIntervalMs: number
  privatePeerIds: ReadonlySet<string>
  maxAddrsPerMessage: number
  banMs: number
  crawlPeriodMs: number
  minTimeBetweenCrawlsMs: number
  maxDialAttempts: number
  seedDisconnectWaitMs: number
  seedBiasTowardsNewPct: number
  crawlDialTimeoutMs: number
  freshnessWindowMs: number
  minReporters: number
  maxLivenessEntries: number
  /** Uniform random numbers in [0, 1): peer choice, the first tick's jitter, crawl back-off. */
  random: () => number
}

export interface PexReactorComponents {
  addrBook: AddrBook
  dialer?: Dialer
  log: Logger
  metrics?: Metrics
}

const CRAWL_RECORD_TTL_MS = 24 * 60 * 60 * 1000

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
        {
          minTimeBetweenCrawlsMs: config.minTimeBetweenCrawlsMs,
          maxDialAttempts: config.maxDialAttempts,
          banMs: config.banMs,
          seedDisconnectWaitMs: config.seedDisconnectWaitMs,
          crawlDialTimeoutMs: config.crawlDialTimeoutMs,
          maxCrawlRecords: config.maxLivenessEntries,
          crawlRecordTtlMs: CRAWL_RECORD_TTL_MS,
          verifyPerRound: 50
        }
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
    this.#addToBook(addr, addr)
    if (this.#config.seedMode) this.#liveness.reported(addr, peer.id, Date.now())
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
    if (peer.signal.aborted) return false
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
        return !p.signal.aborted && (s === undefined || (!s.outstanding && !s.stopped && s.sent.allows(now)))
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
    if (peer.signal.aborted) return
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
    const selection = this.#config.seedMode ? this.#freshSelection(bias) : this.#bookSelection(bias)
    const ourId = this.#switch().nodeInfo().id
    const { privatePeerIds, maxAddrsPerMessage } = this.#config
    const addrs: ProtoNetAddress[] = []
    for (const a of selection) {
      if (addrs.length >= maxAddrsPerMessage) break
      // Never the asker's own address, ours, or a private peer's.
      if (a.id === peer.id || a.id === ourId || privatePeerIds.has(a.id)) continue
      addrs.push({ id: a.id, ip: a.ip, port: a.port })
    }
    let bytes = encodePexAddrs(addrs)
    // A custom book could hand out oversized entries: stay within the channel capacity.
    while (bytes.length > MAX_PEX_MESSAGE_SIZE && addrs.length > 0) {
      addrs.length = Math.floor(addrs.length * 0.9)
      bytes = encodePexAddrs(addrs)
    }
    return this.#send(peer, bytes, 'addrs')
  }

  #bookSelection(bias: number | undefined): NetAddress[] {
    return bias === undefined ? this.#book.getSelection() : this.#book.getSelection(bias)
  }

  /**
   * Beyond Go: a seed's selection holds only addresses seen alive recently. The book's
   * selection (Go's size and bias) keeps what the liveness record vouches for, then is topped up
   * from the record, verified addresses first.
   */
  #freshSelection(bias: number | undefined): NetAddress[] {
    const now = Date.now()
    const base = this.#bookSelection(bias)
    const chosen = new Map<string, NetAddress>()
    const verified: NetAddress[] = []
    const reported: NetAddress[] = []
    for (const a of base) {
      const f = this.#liveness.freshness(a, now)
      if (f === 'verified') verified.push(a)
      else if (f === 'reported') reported.push(a)
      if (f !== undefined) chosen.set(a.id, a)
    }
    if (chosen.size < base.length) {
      const servable = this.#liveness.servable(now)
      for (const [list, out] of [
        [servable.verified, verified],
        [servable.reported, reported]
      ] as const) {
        for (const a of shuffle(list, this.#config.random)) {
          if (chosen.size >= base.length) break
          if (chosen.has(a.id) || !this.#book.has(a)) continue
          chosen.set(a.id, a)
          out.push(a)
        }
      }
    }
    return [...verified, ...reported]
  }

  #onAddrs(peer: Peer, state: PeerPexState, wire: readonly ProtoNetAddress[]): void {
    let addrs: NetAddress[]
    try {
      addrs = netAddressesFromProto(wire)
    } catch (err) {
      this.#misbehave(peer, state, 'pex-invalid-addr', `invalid address in PexAddrs: ${(err as Error).message}`, err, true)
      return
    }
    for (const a of addrs) {
      const problem = netAddressProblem(a)
      if (problem !== undefined) {
        this.#misbehave(peer, state, 'pex-invalid-addr', `invalid address ${netAddressString(a)} in PexAddrs: ${problem}`, undefined, true)
        return
      }
    }
    if (!state.outstanding) {
      this.#misbehave(peer, state, 'pex-unsolicited-addrs', `unsolicited PexAddrs from ${peer.id}`, undefined, true)
      return
    }
    state.outstanding = false
    const metrics = this.#metrics
    metrics.addrsReceived(addrs.length)
    const src = this.#selfReported(peer) ?? peer.socketAddr
    const { privatePeerIds, seedMode } = this.#config
    if (privatePeerIds.has(src.id)) {
      metrics.addrsRejected(addrs.length, 'private-source')
      return
    }
    const ourId = this.#switch().nodeInfo().id
    const now = Date.now()
    let accepted = 0
    for (const a of addrs) {
      // A Go node's answer includes the asker's own address: ours is skipped quietly.
      if (a.id === ourId) {
        metrics.addrsRejected(1, 'ours')
        continue
      }
      if (privatePeerIds.has(a.id)) {
        metrics.addrsRejected(1, 'private')
        continue
      }
      const rejected = this.#addToBook(a, src)
      if (rejected !== undefined) {
        metrics.addrsRejected(1, rejected)
        continue
      }
      accepted++
      if (seedMode) this.#liveness.reported(a, peer.id, now)
    }
    metrics.addrsAccepted(accepted)
  }

  /** Adds `addr` to the book; returns why the book refused it, or undefined when it took it. */
  #addToBook(addr: NetAddress, src: NetAddress): PexAddrRejectedReason | undefined {
    try {
      this.#book.addAddress(addr, src)
      return undefined
    } catch (err) {
      // Unroutable, ours, banned, private, a full bucket: logged and skipped, never fatal.
      if (this.#log.enabled) this.#log('address %s not added: %s', netAddressString(addr), (err as Error).message)
      return addrRejectedReason(err)
    }
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

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}
