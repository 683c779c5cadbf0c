import { type AddrBook, ConfigError, type Logger, type NetAddress, type Peer } from '@p2p/types'
import type { PeerManagerOptions } from './options.js'
import { resolveEntry } from './peer-list.js'
import { sleep } from './timers.js'

export type SeedsOptions = Pick<PeerManagerOptions, 'seeds' | 'persistentPeers' | 'resolve' | 'now' | 'random' | 'seedFollowUpMs' | 'seedFollowUpPollMs'>

export interface SeedsDeps {
  addrBook: Pick<AddrBook, 'size'>
  /** An ordinary dial that waits for a free slot. */
  dial(addr: NetAddress, signal: AbortSignal): Promise<Peer>
  /** Runs an ensure-peers round now. */
  ensureNow(): void
  /** Keeps `p` running in the background until the manager stops. */
  track(p: Promise<unknown>): void
  /** The manager's own signal; none while it is stopped. */
  signal(): AbortSignal | undefined
  log: Logger
}

/**
 * The configured seeds: whether the node can join through them at all (checked at start), Go's
 * dialling of one seed at a time, and the burst that dials what a connected seed hands over.
 */
export class Seeds {
  private readonly ids: Set<string>
  private dialing = false
  /** Until when a seed's addresses are being dialled as they come (epoch ms). */
  private burstUntil = 0

  constructor(
    private readonly o: SeedsOptions,
    private readonly deps: SeedsDeps,
    persistentIds: ReadonlySet<string>
  ) {
    this.ids = new Set(o.seeds.map((e) => e.id))
    for (const seed of o.seeds) {
      // Go's spec: seeds hang up after answering, so one will not stay as a persistent peer
      if (persistentIds.has(seed.id)) deps.log('warning: %s is both a seed and a persistent peer; a seed closes its connections', seed.text)
    }
  }

  /** True when `id` is one of the seeds. */
  has(id: string): boolean {
    return this.ids.has(id)
  }

  /** True when any seed is configured. */
  get configured(): boolean {
    return this.o.seeds.length > 0
  }

  /** True while a seed's addresses are being dialled as they come. */
  bursting(): boolean {
    return this.o.now() < this.burstUntil
  }

  /**
   * Go's `checkSeeds`: with seeds configured, none resolving and nothing else to dial (empty
   * book, no anchors, no persistent peers), the node cannot join the network: refuse to start.
   */
  async check(signal: AbortSignal, hasAnchors: boolean): Promise<void> {
    if (this.o.seeds.length === 0 || this.deps.addrBook.size() > 0 || hasAnchors || this.o.persistentPeers.length > 0) return
    for (const seed of this.o.seeds) {
      try {
        await resolveEntry(seed, this.o.resolve, signal)
        return
      } catch (err) {
        this.deps.log.error('seed %s: %s', seed.text, (err as Error).message)
      }
    }
    throw new ConfigError('seeds', "address book is empty and couldn't resolve any seed nodes")
  }

  /** Go's `dialSeeds`: the seeds in random order, until one connects (or is connected). */
  async dial(signal: AbortSignal): Promise<void> {
    if (this.dialing) return
    this.dialing = true
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
          await this.deps.dial(addr, signal)
          return
        } catch (err) {
          if ((err as Error).name === 'AlreadyConnectedError') return
          this.deps.log('seed %s: %s', seed.text, (err as Error).message)
        }
      }
    } finally {
      this.dialing = false
    }
  }

  /** A peer connected: when it is a seed, follow what it hands over. */
  onPeerAdd(peer: Peer): void {
    if (!this.ids.has(peer.id)) return
    this.burstUntil = this.o.now() + this.o.seedFollowUpMs
    this.deps.track(this.follow(peer))
  }

  /** A peer left: a seed hangs up after answering, so dial what it gave us now, not at the next tick. */
  onPeerRemove(peer: Peer): void {
    if (!this.ids.has(peer.id)) return
    this.burstUntil = Math.max(this.burstUntil, this.o.now() + this.o.seedFollowUpMs)
    this.deps.ensureNow()
  }

  /**
   * While connected to a seed, watch the book: addresses the seed hands over are dialled at once
   * (Go dials them all, unbounded: cometbft#486; ours fills the free outbound slots only).
   */
  private async follow(peer: Peer): Promise<void> {
    const own = this.deps.signal()
    if (own === undefined) return
    const signal = AbortSignal.any([own, peer.signal])
    const end = this.o.now() + this.o.seedFollowUpMs
    let size = this.deps.addrBook.size()
    try {
      while (!signal.aborted && this.o.now() < end) {
        await sleep(this.o.seedFollowUpPollMs, signal)
        const now = this.deps.addrBook.size()
        if (now > size) this.deps.ensureNow()
        size = now
      }
    } catch {
      // the seed went away (then onPeerRemove runs a round) or we stopped
    }
  }
}
