import {
  AbortError,
  type AbortOptions,
  AlreadyConnectedError,
  type BanList,
  ConfigError,
  type Counter,
  type DialContext,
  DialSkippedError,
  type DialStrategy,
  type Gauge,
  type Logger,
  type NetAddress,
  type NodeID,
  nodeInfoAddressLiteral,
  netAddressString,
  type Peer,
  type PeerManager,
  type PeerRejectedDetail,
  type PeerRemovedDetail
} from '@p2p/types'
import { anchorsKey, readAnchors, writeAnchors } from './anchors.js'
import { banDurationFor } from './ban-reasons.js'
import { DialHistory } from './dial-history.js'
import { DialScheduler } from './dial-scheduler.js'
import type { PeerManagerComponents } from './index.js'
import type { PeerManagerOptions } from './options.js'
import { resolveEntry } from './peer-list.js'
import { PersistentPeer } from './persistent.js'
import { RepeatingTask, sleep } from './timers.js'

/** How many times an anchor is dialled (at start, then in the first ensure rounds) before it is an ordinary address. */
const ANCHOR_TRIES = 3

/** Our own IDs and addresses learnt from "self" rejections; a handful at most. */
const MAX_SELF = 16

/**
 * Keeps the node connected: persistent peers for ever, anchors first, then outbound peers up to
 * the target through the dial strategy, with Go's dial back-off, a global cap on dials and bans.
 */
export class DefaultPeerManager implements PeerManager {
  readonly [Symbol.toStringTag] = '@p2p/peer-manager'
  private controller: AbortController | undefined
  private scheduler: DialScheduler | undefined
  private task: RepeatingTask | undefined
  private readonly history: DialHistory
  private readonly persistentIds: Set<string>
  private readonly seedIds: Set<string>
  private readonly selfIds = new Set<string>()
  private readonly background = new Set<Promise<unknown>>()
  /** Outbound peers (not persistent, not unconditional) by ID, with when they connected. */
  private readonly outboundSince = new Map<NodeID, { addr: NetAddress; since: number }>()
  private anchors: NetAddress[] = []
  /** Anchors not connected yet, with the tries left. */
  private anchorsToTry = new Map<string, number>()
  private savedAnchors = ''
  private seedDialing = false
  /** Until when a seed's addresses are being dialled as they come (epoch ms). */
  private burstUntil = 0
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined
  readonly persistent: PersistentPeer[] = []
  private readonly dialsCounter: Counter | undefined
  private readonly inFlightGauge: Gauge | undefined

  constructor(
    private readonly c: PeerManagerComponents & { dialStrategy: DialStrategy; banList: BanList },
    private readonly o: PeerManagerOptions,
    private readonly log: Logger
  ) {
    this.history = new DialHistory(
      {
        maxAttempts: o.maxDialAttempts,
        baseMs: o.dialBackoffBaseMs,
        jitterMs: o.dialBackoffJitterMs,
        maxBackoffMs: o.dialBackoffMaxMs,
        minRedialMs: o.minRedialIntervalMs,
        maxEntries: o.maxDialHistory
      },
      o.now,
      o.random
    )
    this.persistentIds = new Set(o.persistentPeers.map((e) => e.id))
    this.seedIds = new Set(o.seeds.map((e) => e.id))
    this.dialsCounter = c.metrics?.registerCounter('cometbft_p2p_peer_manager_dials_total', {
      help: 'Dials by outcome',
      labelNames: ['result']
    })
    for (const seed of o.seeds) {
      // Go's spec: seeds hang up after answering, so one will not stay as a persistent peer
      if (this.persistentIds.has(seed.id)) log('warning: %s is both a seed and a persistent peer; a seed closes its connections', seed.text)
    }
    this.inFlightGauge = c.metrics?.registerGauge('cometbft_p2p_peer_manager_dials_in_flight', { help: 'Dials in flight' })
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    if (this.controller !== undefined) return await this.starting
    const controller = new AbortController()
    this.controller = controller
    this.stopping = undefined
    this.starting = this.doStart(controller).catch(async (err: unknown) => {
      controller.abort()
      this.controller = undefined
      throw err
    })
    await this.starting
  }

  private async doStart(controller: AbortController): Promise<void> {
    const { signal } = controller
    this.scheduler = new DialScheduler({ maxInFlight: this.o.maxDialsInFlight, maxQueued: this.o.maxQueuedDials })
    this.learnOurAddress()
    if (this.o.anchorsFile !== undefined) {
      this.anchors = await readAnchors(this.o.anchorsFile, this.o.maxAnchors, this.o.now())
      this.savedAnchors = anchorsKey(this.anchors)
    }
    await this.checkSeeds(signal)
    const events = this.c.switch.events
    events.addEventListener('peer:add', (e) => this.onPeerAdd(e.detail), { signal })
    events.addEventListener('peer:remove', (e) => this.onPeerRemove(e.detail), { signal })
    events.addEventListener('peer:rejected', (e) => this.onPeerRejected(e.detail), { signal })
    for (const p of this.c.switch.peers().list()) this.onPeerAdd(p)

    for (const entry of this.o.persistentPeers) {
      const pp = new PersistentPeer(
        entry,
        {
          initialMs: this.o.persistentBackoffInitialMs,
          maxMs: this.o.persistentBackoffMaxMs,
          jitterMs: this.o.persistentBackoffJitterMs,
          flapWindowMs: this.o.flapWindowMs
        },
        {
          peers: () => this.c.switch.peers(),
          dial: (addr, s) => this.dialPersistent(addr, s),
          isSelf: (addr) => this.isSelf(addr),
          resolve: this.o.resolve,
          now: this.o.now,
          random: this.o.random,
          log: this.log
        }
      )
      this.persistent.push(pp)
      this.track(pp.run(signal))
    }
    // anchors first: a restarted node reconnects to the peers it had, without any seed; an
    // anchor that still holds our previous connection refuses us for a moment, so the first
    // rounds try the anchors again before anything else
    this.anchorsToTry = new Map(this.anchors.map((a) => [a.id, ANCHOR_TRIES]))
    this.dialAnchors(signal, Number.POSITIVE_INFINITY)
    this.task = new RepeatingTask(() => this.ensurePeers(), this.o.ensurePeersPeriodMs, signal)
    // Go: when peers are connected or being dialled already, the first round waits a random part of the period
    const counts = this.c.switch.numPeers()
    const busy = counts.outbound + counts.inbound + this.scheduler.size > 0
    this.task.start(busy ? Math.floor(this.o.random() * this.o.ensurePeersPeriodMs) : 0)
  }

  async stop(): Promise<void> {
    if (this.controller === undefined) return
    if (this.stopping !== undefined) return await this.stopping
    this.stopping = (async () => {
      await this.starting?.catch(() => {})
      this.controller?.abort()
      await this.scheduler?.stop()
      await this.task?.idle()
      while (this.background.size > 0) await Promise.allSettled([...this.background])
      await this.saveAnchors().catch((err: unknown) => this.log.error('saving anchors: %s', (err as Error).message))
      this.outboundSince.clear()
      this.persistent.length = 0
      this.controller = undefined
      this.starting = undefined
    })()
    await this.stopping
  }

  // ---------------------------------------------------------------- Dialer

  /**
   * Dials `addr` with Go's rules: not ourselves, not banned, not while it waits out its back-off;
   * after too many failures the address is marked bad. Waits for a free dial slot.
   */
  async dial(addr: NetAddress, options: AbortOptions = {}): Promise<Peer> {
    return await this.dialOrdinary(addr, options.signal, true)
  }

  isDialingOrConnected(addr: NetAddress): boolean {
    const sw = this.c.switch
    if (this.scheduler?.isDialing(addr.id) === true || sw.isDialing(addr.id) || sw.peers().has(addr.id)) return true
    return !this.o.allowDuplicateIp && sw.peers().hasIp(addr.ip)
  }

  // ---------------------------------------------------------------- what the strategy sees

  /**
   * True when `addr` is us: our node ID, an ID a dial found to be ourselves, or an address the
   * book holds as one of ours. Never dialled.
   */
  isSelf(addr: NetAddress): boolean {
    return this.selfIds.has(addr.id) || this.c.addrBook.isOurAddress(addr)
  }

  /** True while the ban list holds `addr` (by ID or IP); never dialled until the ban expires. */
  isBanned(addr: NetAddress): boolean {
    return this.c.banList.isBanned(addr)
  }

  /** True when the ensure loop would not dial `addr` now. */
  isExcluded(addr: NetAddress): boolean {
    return (
      this.isSelf(addr) ||
      this.persistentIds.has(addr.id) ||
      this.isBanned(addr) ||
      this.isDialingOrConnected(addr) ||
      !this.history.check(addr).ok
    )
  }

  /** Failed dials recorded for `addr` (Go's attempt counter of the PEX dialer). */
  dialAttempts(addr: NetAddress): number {
    return this.history.attempts(addr)
  }

  /** Dials in flight now. */
  dialsInFlight(): number {
    return this.scheduler?.size ?? 0
  }

  /** The anchors the manager would write now. */
  currentAnchors(): NetAddress[] {
    const live = [...this.outboundSince.values()].sort((a, b) => a.since - b.since).map((x) => x.addr)
    const ids = new Set(live.map((a) => a.id))
    return [...live, ...this.anchors.filter((a) => !ids.has(a.id))].slice(0, this.o.maxAnchors)
  }

  /** Runs an ensure-peers round now (or right after the one in progress). */
  ensureNow(): void {
    this.task?.runNow()
  }

  // ---------------------------------------------------------------- the ensure-peers round

  private context(wanted: number): DialContext {
    const counts = this.c.switch.numPeers()
    const outboundAddresses = [...this.outboundSince.values()].map((x) => x.addr)
    for (const p of this.c.switch.peers().list()) if (p.outbound && !this.outboundSince.has(p.id)) outboundAddresses.push(p.socketAddr)
    outboundAddresses.push(...(this.scheduler?.addresses((counted) => counted) ?? []))
    return {
      wanted,
      outboundTarget: this.o.maxOutboundPeers,
      outbound: counts.outbound,
      inbound: counts.inbound,
      dialing: this.scheduler?.counted ?? 0,
      outboundAddresses,
      isDialingOrConnected: (a) => this.isDialingOrConnected(a),
      isBanned: (a) => this.isBanned(a),
      isExcluded: (a) => this.isExcluded(a)
    }
  }

  /** Outbound peers still wanted: target − outbound − dialling. */
  private rawWanted(): number {
    const s = this.scheduler
    if (s === undefined) return 0
    return Math.max(0, this.o.maxOutboundPeers - this.c.switch.numPeers().outbound - s.counted)
  }

  /** {@link rawWanted} within the free dial slots. */
  private wanted(): number {
    return Math.min(this.rawWanted(), this.scheduler?.free ?? 0)
  }

  private async ensurePeers(): Promise<void> {
    const signal = this.controller?.signal
    if (signal === undefined || signal.aborted) return
    this.maybeSaveAnchors()
    let wanted = this.wanted()
    if (wanted <= 0) return
    wanted -= this.dialAnchors(signal, wanted)
    if (wanted <= 0) return
    let proposed: NetAddress[] = []
    try {
      proposed = await this.c.dialStrategy.next(this.context(wanted), { signal })
    } catch (err) {
      if (signal.aborted) return
      this.log.error('dial strategy failed: %s', (err as Error).message)
    }
    if (signal.aborted) return
    // the world moved while the strategy thought: count again
    wanted = this.wanted()
    const chosen = new Map<string, NetAddress>()
    for (const a of proposed) {
      if (chosen.size >= wanted) break
      if (chosen.has(a.id) || this.isExcluded(a)) continue
      chosen.set(a.id, a)
    }
    // Go dials every chosen address at once; with a cap on dials in flight, a round cut short
    // by the cap (or during a seed's burst) goes on as its dials settle, until the slots are full
    const goOn = this.rawWanted() > chosen.size || this.o.now() < this.burstUntil
    for (const a of chosen.values()) {
      this.track(
        this.dialOrdinary(a, signal, false)
          .then(
            () => this.c.dialStrategy.onDialResult?.(a, 'ok'),
            (err: unknown) => {
              if ((err as Error).name !== 'AbortError') this.c.dialStrategy.onDialResult?.(a, err as Error)
            }
          )
          .finally(() => {
            if (goOn && !signal.aborted && this.wanted() > 0) this.ensureNow()
          })
      )
    }
    // Go dials seeds only when the book had nothing to dial
    if (chosen.size === 0 && this.o.seeds.length > 0 && this.c.addrBook.needMoreAddrs()) this.track(this.dialSeeds(signal))
  }

  /** Dials up to `max` anchors that still have tries left; returns how many dials started. */
  private dialAnchors(signal: AbortSignal, max: number): number {
    let started = 0
    for (const a of this.anchors) {
      if (started >= max) break
      const left = this.anchorsToTry.get(a.id) ?? 0
      if (left <= 0) continue
      if (this.c.switch.peers().has(a.id)) {
        this.anchorsToTry.delete(a.id)
        continue
      }
      if (this.isExcluded(a)) continue
      this.anchorsToTry.set(a.id, left - 1)
      started++
      this.track(this.dialOrdinary(a, signal, false).catch((err: unknown) => this.log('anchor %s: %s', netAddressString(a), (err as Error).message)))
    }
    return started
  }

  /** Go's `dialSeeds`: the seeds in random order, until one connects (or is connected). */
  private async dialSeeds(signal: AbortSignal): Promise<void> {
    if (this.seedDialing) return
    this.seedDialing = true
    try {
      const order = [...this.o.seeds]
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(this.o.random() * (i + 1))
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
      for (const seed of order) {
        if (signal.aborted) return
        try {
          const addr = await resolveEntry(seed, this.o.resolve, signal)
          await this.dialOrdinary(addr, signal, true)
          return
        } catch (err) {
          if ((err as Error).name === 'AlreadyConnectedError') return
          this.log('seed %s: %s', seed.text, (err as Error).message)
        }
      }
    } finally {
      this.seedDialing = false
    }
  }

  /**
   * Go's `checkSeeds`: with seeds configured, none resolving and nothing else to dial (empty
   * book, no anchors, no persistent peers), the node cannot join the network: refuse to start.
   */
  private async checkSeeds(signal: AbortSignal): Promise<void> {
    if (this.o.seeds.length === 0 || this.c.addrBook.size() > 0 || this.anchors.length > 0 || this.o.persistentPeers.length > 0) return
    for (const seed of this.o.seeds) {
      try {
        await resolveEntry(seed, this.o.resolve, signal)
        return
      } catch (err) {
        this.log.error('seed %s: %s', seed.text, (err as Error).message)
      }
    }
    throw new ConfigError('seeds', "address book is empty and couldn't resolve any seed nodes")
  }

  // ---------------------------------------------------------------- dialling

  private async dialOrdinary(addr: NetAddress, signal: AbortSignal | undefined, wait: boolean): Promise<Peer> {
    const scheduler = this.scheduler
    const own = this.controller?.signal
    if (scheduler === undefined || own === undefined || own.aborted) throw new DialSkippedError('stopped', netAddressString(addr))
    signal?.throwIfAborted()
    const text = netAddressString(addr)
    if (this.isSelf(addr)) return this.skip(new DialSkippedError('self', text))
    const persistent = this.persistentIds.has(addr.id)
    const unconditional = this.o.unconditionalPeerIds.has(addr.id)
    if (!persistent && this.isBanned(addr)) return this.skip(new DialSkippedError('banned', text))
    if (this.c.switch.peers().has(addr.id)) return this.skip(new AlreadyConnectedError(addr.id, 'connected'))
    if (scheduler.isDialing(addr.id) || this.c.switch.isDialing(addr.id)) return this.skip(new AlreadyConnectedError(addr.id, 'dialing'))
    const verdict = this.history.check(addr, persistent)
    if (!verdict.ok) {
      if (verdict.reason === 'max-attempts') {
        // Go: past maxAttemptsToDial the address is marked bad (24 h); persistent peers never are
        this.c.addrBook.markBad(addr, this.o.badAddressBanMs)
        this.history.forget(addr)
      }
      return this.skip(new DialSkippedError(verdict.reason, text, `dial to ${text} skipped: ${verdict.reason} (attempts: ${verdict.attempts})`))
    }
    return await scheduler.run(addr, (s) => this.dialNow(addr, s, { persistent, unconditional }), {
      signal,
      counted: !unconditional,
      wait
    })
  }

  /** The persistent-peer path: no attempt limit and no ban check, its own back-off. */
  private async dialPersistent(addr: NetAddress, signal: AbortSignal): Promise<Peer> {
    const scheduler = this.scheduler
    if (scheduler === undefined) throw new AbortError()
    const unconditional = this.o.unconditionalPeerIds.has(addr.id)
    return await scheduler.run(addr, (s) => this.dialNow(addr, s, { persistent: true, unconditional }), {
      signal,
      counted: !unconditional,
      wait: true
    })
  }

  private async dialNow(addr: NetAddress, signal: AbortSignal, admit: { persistent: boolean; unconditional: boolean }): Promise<Peer> {
    this.history.started(addr)
    this.inFlightGauge?.set(this.scheduler?.size ?? 0)
    try {
      const peer = await this.c.switch.dialPeer(addr, { signal, ...admit })
      this.history.reset(addr)
      this.dialsCounter?.increment(1, { result: 'ok' })
      return peer
    } catch (err) {
      if (!signal.aborted) this.onDialFailure(addr, err as Error, admit.persistent)
      throw err
    } finally {
      this.inFlightGauge?.set(Math.max(0, (this.scheduler?.size ?? 1) - 1))
    }
  }

  private skip(err: Error): never {
    this.dialsCounter?.increment(1, { result: 'skipped' })
    throw err
  }

  /** Go's dialPeer outcome rules, plus "never again" for other networks and ourselves. */
  private onDialFailure(addr: NetAddress, err: Error, persistent: boolean): void {
    const e = err as Error & { reason?: string; field?: string }
    const book = this.c.addrBook
    if (e.name === 'AlreadyConnectedError' || (e.name === 'RejectedError' && ['duplicate-id', 'duplicate-conn', 'duplicate-ip', 'too-many-peers'].includes(e.reason ?? ''))) {
      // "already dialling or connected", or no room: not the address's fault, not an attempt
      this.dialsCounter?.increment(1, { result: 'already' })
      return
    }
    this.dialsCounter?.increment(1, { result: 'failed' })
    if (e.name === 'RejectedError' && e.reason === 'self') {
      this.markSelf(addr)
      return
    }
    if (persistent) return
    if (e.name === 'AuthFailureError' || (e.name === 'RejectedError' && e.reason === 'auth-failure')) {
      // the key behind the address is not the ID we were told: the address is wrong
      book.markBad(addr, this.o.badAddressBanMs)
      this.history.forget(addr)
      return
    }
    if ((e.name === 'RejectedError' && e.reason === 'incompatible') || (e.name === 'NodeInfoError' && (e.field === 'network' || e.field === 'protocolVersion'))) {
      // another chain or network never becomes ours: do not redial it for ever (tendermint#6604)
      book.markBad(addr, this.o.incompatibleBanMs)
      this.history.forget(addr)
      return
    }
    book.markAttempt(addr)
    this.history.failed(addr)
  }

  private markSelf(addr: NetAddress): void {
    if (this.selfIds.size < MAX_SELF) this.selfIds.add(addr.id)
    const book = this.c.addrBook
    book.removeAddress(addr)
    book.addOurAddress(addr)
    this.history.forget(addr)
  }

  /** Our own listen address never enters the book or a dial (tendermint#3716). */
  private learnOurAddress(): void {
    const info = this.c.switch.nodeInfo?.()
    if (info === undefined) return
    this.selfIds.add(info.id)
    try {
      this.c.addrBook.addOurAddress(nodeInfoAddressLiteral(info))
    } catch {
      // a host name or unspecified listen address: the ID check above is enough
    }
  }

  // ---------------------------------------------------------------- switch events

  private onPeerAdd(peer: Peer): void {
    if (peer.outbound && !peer.persistent && !peer.unconditional && !this.persistentIds.has(peer.id) && !this.seedIds.has(peer.id)) {
      this.outboundSince.set(peer.id, { addr: peer.socketAddr, since: this.o.now() })
    }
    if (this.seedIds.has(peer.id)) {
      this.burstUntil = this.o.now() + this.o.seedFollowUpMs
      this.track(this.followSeed(peer))
    }
  }

  private onPeerRemove({ peer, reason }: PeerRemovedDetail): void {
    this.outboundSince.delete(peer.id)
    const ms = banDurationFor(reason, this.o.banDurations)
    if (ms > 0 && reason !== undefined) {
      if (peer.persistent || peer.unconditional || this.persistentIds.has(peer.id) || this.o.unconditionalPeerIds.has(peer.id)) {
        this.log('not banning configured peer %s for %s', peer.id, reason.message)
      } else {
        const kind = (reason as { kind?: unknown }).kind
        this.c.banList.ban({ id: peer.id }, ms, typeof kind === 'string' ? `${reason.name} ${kind}` : reason.name)
      }
    }
    // a seed hangs up after answering: dial what it gave us now, not at the next tick
    if (this.seedIds.has(peer.id)) {
      this.burstUntil = Math.max(this.burstUntil, this.o.now() + this.o.seedFollowUpMs)
      this.ensureNow()
    }
  }

  private onPeerRejected({ addr, error }: PeerRejectedDetail): void {
    const e = error as Error & { reason?: string }
    if (e.name !== 'RejectedError') return
    if (e.reason === 'self') this.markSelf(addr)
    else if (e.reason === 'incompatible' && !this.persistentIds.has(addr.id)) this.c.addrBook.markBad(addr, this.o.incompatibleBanMs)
  }

  /**
   * While connected to a seed, watch the book: addresses the seed hands over are dialled at once
   * (Go dials them all, unbounded: cometbft#486; ours fills the free outbound slots only).
   */
  private async followSeed(peer: Peer): Promise<void> {
    const own = this.controller?.signal
    if (own === undefined) return
    const signal = AbortSignal.any([own, peer.signal])
    const end = this.o.now() + this.o.seedFollowUpMs
    let size = this.c.addrBook.size()
    try {
      while (!signal.aborted && this.o.now() < end) {
        await sleep(this.o.seedFollowUpPollMs, signal)
        const now = this.c.addrBook.size()
        if (now > size) this.ensureNow()
        size = now
      }
    } catch {
      // the seed went away (then onPeerRemove runs a round) or we stopped
    }
  }

  // ---------------------------------------------------------------- anchors and bookkeeping

  private maybeSaveAnchors(): void {
    if (this.o.anchorsFile === undefined) return
    if (anchorsKey(this.currentAnchors()) === this.savedAnchors) return
    this.track(this.saveAnchors().catch((err: unknown) => this.log.error('saving anchors: %s', (err as Error).message)))
  }

  private async saveAnchors(): Promise<void> {
    if (this.o.anchorsFile === undefined) return
    const list = this.currentAnchors()
    const key = anchorsKey(list)
    if (key === this.savedAnchors) return
    this.anchors = list
    this.savedAnchors = key
    await writeAnchors(this.o.anchorsFile, list)
  }

  private track<T>(p: Promise<T>): void {
    const tracked = p.catch((err: unknown) => {
      if ((err as Error).name !== 'AbortError') this.log.trace('background task: %s', (err as Error).message)
    })
    this.background.add(tracked)
    void tracked.finally(() => this.background.delete(tracked))
  }
}
