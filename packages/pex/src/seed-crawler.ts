import {
  type AddrBook,
  AlreadyConnectedError,
  type Dialer,
  dialString,
  type Logger,
  type NetAddress,
  nodeInfoAddressLiteral,
  type Peer,
  type SwitchFacade
} from '@p2p/types'
import { type LivenessRecord, sameEndpoint } from './liveness.js'

/** Seed-mode options, each with Go's value as default (see `PexInit`). */
export interface SeedCrawlOptions {
  minTimeBetweenCrawlsMs: number
  maxDialAttempts: number
  banMs: number
  seedDisconnectWaitMs: number
  crawlDialTimeoutMs: number
  /** Most addresses whose crawl time and dial attempts are remembered. */
  maxCrawlRecords: number
  /** Crawl records older than this are forgotten (Go: 24 h). */
  crawlRecordTtlMs: number
  /** Extra addresses per round taken from the liveness record to verify them. */
  verifyPerRound: number
}

/** What the crawler needs from the reactor that owns it. */
export interface CrawlHost {
  readonly book: AddrBook
  readonly dialer: Dialer
  readonly liveness: LivenessRecord
  readonly log: Logger
  sw(): SwitchFacade
  now(): number
  random(): number
  /** Asks `peer` for addresses if the protocol allows it now. */
  requestAddrs(peer: Peer): boolean
  /** Counts one crawl dial outcome. */
  onDial?(result: 'ok' | 'failed' | 'skipped'): void
}

interface DialAttempts {
  count: number
  last: number
}

/**
 * Go's seed-mode crawl (`crawlPeersRoutine`): every round, hang up on peers connected for longer
 * than the disconnect wait, then dial the book's selection one address at a time, skipping
 * addresses crawled less than `minTimeBetweenCrawlsMs` ago, backing off 2^n s after failures and
 * banning an address after `maxDialAttempts`; ask every peer reached for addresses. Beyond Go,
 * each round also re-dials addresses the liveness record cannot vouch for, so that what the seed
 * serves was seen alive recently.
 */
export class SeedCrawler {
  /** Address ID → when we last crawled it; insertion order is age order. */
  readonly #crawled = new Map<string, number>()
  /** Dial string → failed dials, as Go keys `attemptsToDial`. */
  readonly #attempts = new Map<string, DialAttempts>()

  constructor(
    readonly host: CrawlHost,
    readonly options: SeedCrawlOptions
  ) {}

  /** Failed dials recorded for `addr` (Go's `AttemptsToDial`). */
  attemptsToDial(addr: NetAddress): number {
    return this.#attempts.get(dialString(addr))?.count ?? 0
  }

  /** Records `count` failed dials for `addr` (tests, and restoring state). */
  setAttempts(addr: NetAddress, count: number, last: number): void {
    bounded(this.#attempts, dialString(addr), { count, last }, this.options.maxCrawlRecords)
  }

  /** One crawl round. */
  async round(signal: AbortSignal): Promise<void> {
    this.attemptDisconnects()
    const targets = new Map<string, NetAddress>()
    for (const a of this.host.book.getSelection()) targets.set(a.id, a)
    for (const a of this.host.liveness.unverified(this.host.now(), this.options.verifyPerRound)) {
      if (!targets.has(a.id) && this.host.book.has(a)) targets.set(a.id, a)
    }
    for (const addr of targets.values()) {
      if (signal.aborted) return
      await this.crawl(addr, signal)
    }
    this.cleanup()
  }

  /** Go `attemptDisconnects`: stop every non-persistent peer connected for at least the wait. */
  attemptDisconnects(): void {
    const now = this.host.now()
    const sw = this.host.sw()
    for (const peer of sw.peers().list()) {
      if (peer.persistent) continue
      if (now - peer.status().connectedAt < this.options.seedDisconnectWaitMs) continue
      sw.stopPeerGracefully(peer).catch((err: unknown) => this.host.log('graceful stop of %s failed: %s', peer.id, err))
    }
  }

  /** Crawls one address: dial (unless connected), then ask it for addresses. */
  async crawl(addr: NetAddress, signal: AbortSignal): Promise<void> {
    const { host, options } = this
    const now = host.now()
    const sw = host.sw()
    if (addr.id === sw.nodeInfo().id) return
    const last = this.#crawled.get(addr.id)
    if (last !== undefined && now - last < options.minTimeBetweenCrawlsMs) return
    bounded(this.#crawled, addr.id, now, options.maxCrawlRecords)

    const connected = sw.peers().get(addr.id)
    if (connected !== undefined) {
      if (connected.outbound) {
        if (sameEndpoint(connected.socketAddr, addr)) host.liveness.verified(addr, now)
      } else if (claims(connected, addr)) {
        // It dialled us, so we cannot dial it now; alive under the same ID and endpoint, it
        // renews what an earlier dial proved (else a node connected at every crawl lapses).
        host.liveness.reconfirmed(addr, now)
      }
      host.requestAddrs(connected)
      return
    }

    const key = dialString(addr)
    const attempts = this.#attempts.get(key)
    if (attempts !== undefined && attempts.count > options.maxDialAttempts) {
      host.book.markBad(addr, options.banMs)
      host.onDial?.('skipped')
      return
    }
    if (attempts !== undefined && attempts.count > 0) {
      const backoffMs = host.random() * 1000 + 2 ** attempts.count * 1000
      if (now - attempts.last < backoffMs) {
        host.onDial?.('skipped')
        return
      }
    }
    if (host.dialer.isDialingOrConnected(addr)) return

    const timeout = new AbortController()
    const timer = setTimeout(() => timeout.abort(), options.crawlDialTimeoutMs)
    let peer: Peer
    try {
      peer = await host.dialer.dial(addr, { signal: AbortSignal.any([signal, timeout.signal]) })
    } catch (err) {
      if (signal.aborted) return
      // Already connected (or it dialled us meanwhile and a duplicate lost): alive, not a failure.
      const p = sw.peers().get(addr.id)
      if ((err instanceof Error && err.name === AlreadyConnectedError.name) || p !== undefined) {
        if (p !== undefined) host.requestAddrs(p)
        return
      }
      // The dialer refused before opening a socket (its own back-off, a ban): says nothing of liveness.
      if (err instanceof Error && err.name === 'DialSkippedError') {
        host.onDial?.('skipped')
        return
      }
      // Not logged here: the dial went through the switch, which logs every failed dial once
      // (peer ID, address, typed reason); a second line per dead address doubled a seed's log.
      host.liveness.failed(addr, host.now())
      host.onDial?.('failed')
      if (err instanceof Error && err.name === 'AuthFailureError') {
        // Someone else's key at that address: Go bans it and forgets the attempts.
        host.book.markBad(addr, options.banMs)
        this.#attempts.delete(key)
        return
      }
      // The attempt itself is the dialer's to record in the book (the peer manager does, with
      // its back-off); counting here keeps Go's crawl limits whatever the dialer is.
      bounded(this.#attempts, key, { count: (attempts?.count ?? 0) + 1, last: host.now() }, options.maxCrawlRecords)
      return
    } finally {
      clearTimeout(timer)
    }
    this.#attempts.delete(key)
    host.liveness.verified(addr, host.now())
    host.onDial?.('ok')
    host.requestAddrs(peer)
  }

  /** Go `cleanupCrawlPeerInfos`: forget crawl times older than the TTL. */
  cleanup(): void {
    const before = this.host.now() - this.options.crawlRecordTtlMs
    for (const [id, at] of this.#crawled) if (at < before) this.#crawled.delete(id)
    for (const [key, a] of this.#attempts) if (a.last < before) this.#attempts.delete(key)
  }
}

/**
 * Whether `peer` claims `addr` as its own: its NodeInfo's listen address is `addr`, or (a node
 * listening on 0.0.0.0, say) it connects from `addr`'s IP and listens on `addr`'s port.
 */
function claims(peer: Peer, addr: NetAddress): boolean {
  let self: NetAddress
  try {
    self = nodeInfoAddressLiteral(peer.nodeInfo)
  } catch {
    return false
  }
  return sameEndpoint(self, addr) || (self.port === addr.port && peer.socketAddr.ip === addr.ip)
}

/** Sets `key` as the newest entry of `map`, forgetting the oldest beyond `max`. */
function bounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key)
  map.set(key, value)
  while (map.size > max) {
    const oldest = map.keys().next().value
    if (oldest === undefined) break
    map.delete(oldest)
  }
}
