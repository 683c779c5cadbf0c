import { AbortError, type AbortOptions, type AddrBook, type DialContext, type DialStrategy, type NetAddress } from '@p2p/types'
import { type AddressGroupFn, defaultAddressGroup } from '../groups.js'

/** Options of {@link biasedRandomStrategy}. */
export interface BiasedRandomStrategyInit {
  /**
   * The address group of an address (default {@link defaultAddressGroup}: /16 of routable
   * IPv4, /32 of IPv6, no group for non-routable addresses).
   */
  groupOf?: AddressGroupFn
  /** Most outbound peers (and dials) in one group (default 2). */
  maxPerGroup?: number
  /** Picks from the book per address wanted (Go: 3). */
  picksPerWanted?: number
  /**
   * Beyond Go: when the random picks find fewer than wanted, look through the whole book (in a
   * random order) for the rest, so a small network whose book is mostly connected or backing
   * off still fills up (default true; needs the book's `list`).
   */
  scanWhenShort?: boolean
  /** Uniform [0, 1) for the scan order (default `Math.random`). */
  random?: () => number
}

/** What the strategy reads of the book. */
export type StrategyBook = Pick<AddrBook, 'pickAddress'> & Partial<Pick<AddrBook, 'list'>>

/** What {@link biasedRandomStrategy} reads: only the address book. */
export interface BiasedRandomStrategyComponents {
  /** Picked from with Go's bias; its `list`, when present, is scanned when picks come up short. */
  addrBook: StrategyBook
}

/**
 * Go's new-address bias: 10 % with no outbound peer, 10 % more per outbound peer, at most 90 %.
 * A node with few peers prefers addresses that worked before; a well-connected one explores.
 */
export function newAddressBias(outbound: number): number {
  return Math.min(Math.max(outbound, 0), 8) * 10 + 10
}

/**
 * Go's ensure-peers choice (`p2p/pex/pex_reactor.go`): up to 3 × wanted picks from the book
 * with the new-address bias, skipping repeats and whatever the manager would not dial, plus
 * outbound diversity (no more than `maxPerGroup` outbound peers per address group) and, when
 * the picks come up short, a scan of the book for the rest.
 */
export class BiasedRandomStrategy implements DialStrategy {
  readonly [Symbol.toStringTag] = '@p2p/peer-manager/biased-random'
  private readonly groupOf: AddressGroupFn
  private readonly maxPerGroup: number
  private readonly picksPerWanted: number
  private readonly scanWhenShort: boolean
  private readonly random: () => number

  constructor(
    private readonly book: StrategyBook,
    init: BiasedRandomStrategyInit = {}
  ) {
    this.groupOf = init.groupOf ?? defaultAddressGroup
    this.maxPerGroup = Math.max(1, init.maxPerGroup ?? 2)
    this.picksPerWanted = Math.max(1, init.picksPerWanted ?? 3)
    this.scanWhenShort = init.scanWhenShort ?? true
    this.random = init.random ?? Math.random
  }

  async next(ctx: DialContext, options: AbortOptions = {}): Promise<NetAddress[]> {
    if (options.signal?.aborted === true) throw new AbortError()
    if (ctx.wanted <= 0) return []
    const bias = newAddressBias(ctx.outbound)
    const perGroup = new Map<string, number>()
    for (const a of ctx.outboundAddresses) {
      const g = this.groupOf(a)
      if (g !== undefined) perGroup.set(g, (perGroup.get(g) ?? 0) + 1)
    }
    const chosen = new Map<string, NetAddress>()
    const take = (addr: NetAddress): void => {
      if (chosen.has(addr.id) || ctx.isExcluded(addr) || ctx.isDialingOrConnected(addr) || ctx.isBanned(addr)) return
      const g = this.groupOf(addr)
      if (g !== undefined) {
        const n = perGroup.get(g) ?? 0
        if (n >= this.maxPerGroup) return
        perGroup.set(g, n + 1)
      }
      chosen.set(addr.id, addr)
    }
    const tries = ctx.wanted * this.picksPerWanted
    for (let i = 0; i < tries && chosen.size < ctx.wanted; i++) {
      const addr = this.book.pickAddress(bias)
      if (addr === undefined) break
      take(addr)
    }
    if (chosen.size < ctx.wanted && this.scanWhenShort && this.book.list !== undefined) {
      // a lazy Fisher-Yates over a copy: random order, stopping as soon as enough are found
      const all = this.book.list()
      for (let i = 0; i < all.length && chosen.size < ctx.wanted; i++) {
        const j = i + Math.floor(this.random() * (all.length - i))
        const a = all[j]!
        all[j] = all[i]!
        take(a)
      }
    }
    return [...chosen.values()]
  }
}

/** The default `DialStrategy`: Go's ensure-peers choice with outbound diversity. */
export function biasedRandomStrategy(init: BiasedRandomStrategyInit = {}): (components: BiasedRandomStrategyComponents) => DialStrategy {
  return (c) => new BiasedRandomStrategy(c.addrBook, init)
}
