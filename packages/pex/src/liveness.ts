import type { NetAddress, NodeID } from '@p2p/types'

/** How an address earned its place in a seed's answer. */
export type Freshness = 'verified' | 'reported'

export interface LivenessInit {
  /** How long a successful dial or a report keeps an address servable. */
  freshnessWindowMs: number
  /** Distinct peers that must report an address (within the window) before it is served unverified. */
  minReporters: number
  /** Most addresses remembered; the least recently touched is forgotten first. */
  maxEntries: number
  /** Most reporters remembered per address (the oldest is forgotten first). */
  maxReportersPerEntry: number
}

interface Entry {
  addr: NetAddress
  /** When we last connected to `addr` ourselves (0: never). */
  verifiedAt: number
  /** When a dial to `addr` last failed (0: never). */
  failedAt: number
  /** When the first report of `addr` at this endpoint arrived (0: none). */
  firstReportedAt: number
  /** Reporter ID → when it last reported `addr`. */
  readonly reporters: Map<string, number>
}

/** Whether two addresses name the same IP and port (IDs aside). */
export const sameEndpoint = (a: NetAddress, b: NetAddress): boolean => a.ip === b.ip && a.port === b.port

/**
 * Beyond Go: what a seed knows about whether an address is alive. A Go seed hands out whatever
 * its book holds, dead addresses included; ours serves an address only while it is fresh:
 * dialled successfully by us within the window (verified), or else, while it is new (first
 * reported within the window), reported by at least `minReporters` distinct peers; in either
 * case only if the last dial to it did not fail. Bounded: at most `maxEntries` addresses,
 * `maxReportersPerEntry` reporters each.
 */
export class LivenessRecord {
  readonly #entries = new Map<NodeID, Entry>()

  constructor(readonly init: LivenessInit) {}

  get size(): number {
    return this.#entries.size
  }

  #touch(addr: NetAddress): Entry {
    let entry = this.#entries.get(addr.id)
    if (entry !== undefined) {
      this.#entries.delete(addr.id)
      // The same node at another endpoint: what we knew of the old one says nothing of this one.
      if (!sameEndpoint(entry.addr, addr)) entry = { addr, verifiedAt: 0, failedAt: 0, firstReportedAt: 0, reporters: new Map() }
    } else {
      entry = { addr, verifiedAt: 0, failedAt: 0, firstReportedAt: 0, reporters: new Map() }
    }
    this.#entries.set(addr.id, entry)
    // Map order is recency order: the first key is the least recently touched.
    while (this.#entries.size > this.init.maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    return entry
  }

  /** We connected to `addr` (a dial succeeded). */
  verified(addr: NetAddress, now: number): void {
    this.#touch(addr).verifiedAt = now
  }

  /**
   * `addr`'s node is connected to us now (it dialled us) under the same ID and still claims
   * `addr` as its own (the caller decides what counts as a claim). That renews an earlier
   * verification of that endpoint: while it is connected we cannot dial it, and a seed keeps an
   * inbound peer that does not ask for hours (a node that redials us on the crawl's beat is
   * connected at every crawl, too). A claim alone never makes an address verified, and one whose
   * last dial failed stays unserved until a dial succeeds. Returns whether it was renewed.
   */
  reconfirmed(addr: NetAddress, now: number): boolean {
    const entry = this.#entries.get(addr.id)
    if (entry === undefined || !sameEndpoint(entry.addr, addr)) return false
    if (entry.verifiedAt === 0 || entry.failedAt >= entry.verifiedAt) return false
    this.#touch(addr).verifiedAt = Math.max(entry.verifiedAt, now)
    return true
  }

  /** A dial to `addr` failed. */
  failed(addr: NetAddress, now: number): void {
    const entry = this.#entries.get(addr.id)
    // Failing to reach an endpoint we never heard of alive is not worth a slot.
    if (entry === undefined || !sameEndpoint(entry.addr, addr)) return
    entry.failedAt = now
  }

  /** Peer `reporter` told us about `addr` (or is `addr`, connected to us). */
  reported(addr: NetAddress, reporter: string, now: number): void {
    const entry = this.#touch(addr)
    if (entry.firstReportedAt === 0) entry.firstReportedAt = now
    entry.reporters.delete(reporter)
    entry.reporters.set(reporter, now)
    while (entry.reporters.size > this.init.maxReportersPerEntry) {
      const oldest = entry.reporters.keys().next().value
      if (oldest === undefined) break
      entry.reporters.delete(oldest)
    }
  }

  /** Why `addr` may be served now, or `undefined` when it may not. */
  freshness(addr: NetAddress, now: number): Freshness | undefined {
    const entry = this.#entries.get(addr.id)
    if (entry === undefined || !sameEndpoint(entry.addr, addr)) return undefined
    return this.#freshness(entry, now)
  }

  #freshness(entry: Entry, now: number): Freshness | undefined {
    const since = now - this.init.freshnessWindowMs
    // The last dial failed: not served, whatever others say, until a dial succeeds again.
    if (entry.failedAt > 0 && entry.failedAt >= entry.verifiedAt) return undefined
    if (entry.verifiedAt > 0 && entry.verifiedAt >= since) return 'verified'
    // Reports vouch for an address for one window after it is first heard of: time for the crawl
    // to verify it. Peers keep dead addresses in their books, so reports alone never suffice after.
    if (entry.firstReportedAt < since) return undefined
    let recent = 0
    for (const at of entry.reporters.values()) if (at >= since) recent++
    return recent >= this.init.minReporters ? 'reported' : undefined
  }

  /** Every servable address, verified ones first. */
  servable(now: number): { verified: NetAddress[]; reported: NetAddress[] } {
    const verified: NetAddress[] = []
    const reported: NetAddress[] = []
    for (const entry of this.#entries.values()) {
      const f = this.#freshness(entry, now)
      if (f === 'verified') verified.push(entry.addr)
      else if (f === 'reported') reported.push(entry.addr)
    }
    return { verified, reported }
  }

  /**
   * Up to `limit` addresses worth a crawl so they can be verified: reported but not verified
   * within the window, least recently verified first.
   */
  unverified(now: number, limit: number): NetAddress[] {
    const since = now - this.init.freshnessWindowMs
    const out: Entry[] = []
    for (const entry of this.#entries.values()) {
      if (entry.verifiedAt < since && entry.reporters.size > 0) out.push(entry)
    }
    out.sort((a, b) => a.verifiedAt - b.verifiedAt)
    return out.slice(0, limit).map((e) => e.addr)
  }

  /** What is known of `id`: a copy, for tools and tests. */
  inspect(id: NodeID): { addr: NetAddress; verifiedAt: number; failedAt: number; reporters: Record<string, number> } | undefined {
    const e = this.#entries.get(id)
    return e === undefined ? undefined : { addr: e.addr, verifiedAt: e.verifiedAt, failedAt: e.failedAt, reporters: Object.fromEntries(e.reporters) }
  }

  /** Forgets `id` (the address was removed from the book). */
  forget(id: NodeID): void {
    this.#entries.delete(id)
  }

  /**
   * Drops entries with nothing fresh left. A failed last dial is remembered for
   * `failureMemoryMs` (so reports alone cannot bring a dead address back before it is dialled
   * again), unless the capacity bound forgets it first.
   */
  prune(now: number, failureMemoryMs: number): void {
    const since = now - this.init.freshnessWindowMs
    for (const [id, entry] of this.#entries) {
      for (const [reporter, at] of entry.reporters) if (at < since) entry.reporters.delete(reporter)
      const lastFailed = entry.failedAt > 0 && entry.failedAt >= entry.verifiedAt
      const stale = entry.reporters.size === 0 && entry.verifiedAt < since
      if (stale && (!lastFailed || entry.failedAt < now - failureMemoryMs)) this.#entries.delete(id)
    }
  }
}
