import type {
  AbortOptions,
  BanList,
  DialStrategy,
  Logger,
  NetAddress,
  Peer,
  PeerManager,
  PeerRejectedDetail,
  PeerRemovedDetail
} from '@p2p/types'
import { Anchors } from './anchors.js'
import { BackgroundTasks } from './background.js'
import { banDurationFor } from './ban-reasons.js'
import { DialGate } from './dial-gate.js'
import { DialHistory } from './dial-history.js'
import { DialScheduler } from './dial-scheduler.js'
import { EnsurePeersLoop } from './ensure-peers.js'
import type { PeerManagerComponents } from './index.js'
import { dialHistoryOptions, type PeerManagerOptions, persistentPeerOptions } from './options.js'
import { PersistentPeer, type PersistentPeerDeps } from './persistent.js'
import { Seeds } from './seeds.js'
import { SelfAddresses } from './self-address.js'

/**
 * Keeps the node connected: persistent peers for ever, anchors first, then outbound peers up to
 * the target through the dial strategy, with Go's dial back-off, a global cap on dials and bans.
 */
export class DefaultPeerManager implements PeerManager {
  readonly [Symbol.toStringTag] = '@p2p/peer-manager'
  private controller: AbortController | undefined
  private scheduler: DialScheduler | undefined
  private readonly history: DialHistory
  private readonly persistentIds: Set<string>
  private readonly self: SelfAddresses
  private readonly seeds: Seeds
  private readonly anchors: Anchors
  private readonly gate: DialGate
  private readonly ensure: EnsurePeersLoop
  private readonly background: BackgroundTasks
  private starting: Promise<void> | undefined
  private stopping: Promise<void> | undefined
  readonly persistent: PersistentPeer[] = []

  constructor(
    private readonly c: PeerManagerComponents & { dialStrategy: DialStrategy; banList: BanList },
    private readonly o: PeerManagerOptions,
    private readonly log: Logger
  ) {
    this.history = new DialHistory(dialHistoryOptions(o), o.now, o.random)
    this.persistentIds = new Set(o.persistentPeers.map((e) => e.id))
    this.background = new BackgroundTasks(log)
    this.self = new SelfAddresses(c.addrBook, this.history)
    const dials = c.metrics?.registerCounter('cometbft_p2p_peer_manager_dials_total', {
      help: 'Dials by outcome',
      labelNames: ['result']
    })
    const signal = (): AbortSignal | undefined => this.controller?.signal
    const track = (p: Promise<unknown>): void => this.background.add(p)
    this.seeds = new Seeds(
      o,
      { addrBook: c.addrBook, dial: (a, s) => this.gate.dial(a, s, true), ensureNow: () => this.ensureNow(), track, signal, log },
      this.persistentIds
    )
    const inFlight = c.metrics?.registerGauge('cometbft_p2p_peer_manager_dials_in_flight', { help: 'Dials in flight' })
    this.gate = new DialGate(c, o, { history: this.history, self: this.self, persistentIds: this.persistentIds, scheduler: () => this.scheduler, signal, dials, inFlight })
    this.anchors = new Anchors(
      { file: o.anchorsFile, max: o.maxAnchors, now: o.now },
      {
        isConnected: (id) => c.switch.peers().has(id),
        isExcluded: (a) => this.isExcluded(a),
        dial: (a, s) => this.gate.dial(a, s, false),
        track,
        log
      }
    )
    this.ensure = new EnsurePeersLoop(c, o, {
      anchors: this.anchors,
      seeds: this.seeds,
      gate: this.gate,
      background: this.background,
      scheduler: () => this.scheduler,
      signal,
      isDialingOrConnected: (a) => this.isDialingOrConnected(a),
      isBanned: (a) => this.isBanned(a),
      isExcluded: (a) => this.isExcluded(a),
      log
    })
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
    this.self.learnOurs(this.c.switch.nodeInfo?.())
    if (this.anchors.persisted) await this.anchors.load()
    await this.seeds.check(signal, this.anchors.size > 0)
    const events = this.c.switch.events
    events.addEventListener('peer:add', (e) => this.onPeerAdd(e.detail), { signal })
    events.addEventListener('peer:remove', (e) => this.onPeerRemove(e.detail), { signal })
    events.addEventListener('peer:rejected', (e) => this.onPeerRejected(e.detail), { signal })
    for (const p of this.c.switch.peers().list()) this.onPeerAdd(p)

    const deps: PersistentPeerDeps = {
      peers: () => this.c.switch.peers(),
      dial: (addr, s) => this.gate.dialPersistent(addr, s),
      isSelf: (addr) => this.isSelf(addr),
      resolve: this.o.resolve,
      now: this.o.now,
      random: this.o.random,
      log: this.log
    }
    for (const entry of this.o.persistentPeers) {
      const pp = new PersistentPeer(entry, persistentPeerOptions(this.o), deps)
      this.persistent.push(pp)
      this.background.add(pp.run(signal))
    }
    // anchors first: a restarted node reconnects to the peers it had, without any seed
    this.anchors.resetTries()
    this.anchors.dial(signal, Number.POSITIVE_INFINITY)
    this.ensure.start(signal)
  }

  async stop(): Promise<void> {
    if (this.controller === undefined) return
    if (this.stopping !== undefined) return await this.stopping
    this.stopping = (async () => {
      await this.starting?.catch(() => {})
      this.controller?.abort()
      await this.scheduler?.stop()
      await this.ensure.idle()
      await this.background.drain()
      await this.anchors.save().catch((err: unknown) => this.log.error('saving anchors: %s', (err as Error).message))
      this.anchors.clearConnected()
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
    return await this.gate.dial(addr, options.signal, true)
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
    return this.self.has(addr)
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
    return this.anchors.current()
  }

  /** Runs an ensure-peers round now (or right after the one in progress). */
  ensureNow(): void {
    this.ensure.runNow()
  }

  // ---------------------------------------------------------------- switch events

  private onPeerAdd(peer: Peer): void {
    if (peer.outbound && !peer.persistent && !peer.unconditional && !this.persistentIds.has(peer.id) && !this.seeds.has(peer.id)) {
      this.anchors.connected(peer.id, peer.socketAddr, this.o.now())
    }
    this.seeds.onPeerAdd(peer)
  }

  private onPeerRemove({ peer, reason }: PeerRemovedDetail): void {
    this.anchors.disconnected(peer.id)
    const ms = banDurationFor(reason, this.o.banDurations)
    if (ms > 0 && reason !== undefined) {
      if (peer.persistent || peer.unconditional || this.persistentIds.has(peer.id) || this.o.unconditionalPeerIds.has(peer.id)) {
        this.log('not banning configured peer %s for %s', peer.id, reason.message)
      } else {
        const kind = (reason as { kind?: unknown }).kind
        this.c.banList.ban({ id: peer.id }, ms, typeof kind === 'string' ? `${reason.name} ${kind}` : reason.name)
      }
    }
    this.seeds.onPeerRemove(peer)
  }

  private onPeerRejected({ addr, error }: PeerRejectedDetail): void {
    const e = error as Error & { reason?: string }
    if (e.name !== 'RejectedError') return
    if (e.reason === 'self') this.self.mark(addr)
    else if (e.reason === 'incompatible' && !this.persistentIds.has(addr.id)) this.c.addrBook.markBad(addr, this.o.incompatibleBanMs)
  }
}
