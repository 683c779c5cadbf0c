import { AbortError, type AbortOptions, type AddrBook, type DialContext, type DialStrategy, type NetAddress } from '@p2p/types'
import { type AddressGroupFn, defaultAddressGroup } from '../groups.js'

/** Options of {@link biasedRandomStrategy}. */
export interface BiasedRandomStrategyInit {
  /**
   * The address group of an address (default {@link defaultAddressGroup}: /16 of routable
   * IPv4, /32 of IPv6, each non-routable IP its own group).
   */
  groupOf?: AddressGroupFn
  /** Most outbound peers (and dials) in one group (default 2). */
  maxPerGroup?: number
  /** Picks from the book per address wanted (Go: 3). */
  picksPerWanted?: number
}

export interface BiasedRandomStrategyComponents {
  addrBook: Pick<AddrBook, 'pickAddress'>
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
 * outbound diversity: no more than `maxPerGroup` outbound peers per address group.
 */
export class BiasedRandomStrategy implements DialStrategy {
  readonly [Symbol.toStringTag] = '@p2p/peer-manager/biased-random'
  private readonly groupOf: AddressGroupFn
  private readonly maxPerGroup: number
  private readonly picksPerWanted: number

  constructor(
    private readonly book: Pick<AddrBook, 'pickAddress'>,
    init: BiasedRandomStrategyInit = {}
  ) {
    this.groupOf = init.groupOf ?? defaultAddressGroup
    this.maxPerGroup = Math.max(1, init.maxPerGroup ?? 2)
    this.picksPerWanted = Math.max(1, init.picksPerWanted ?? 3)
  }

  async next(ctx: DialContext, options: AbortOptions = {}): Promise<NetAddress[]> {
    if (options.signal?.aborted === true) throw new AbortError()
    if (ctx.wanted <= 0) return []
    const bias = newAddressBias(ctx.outbound)
    const perGroup = new Map<string, number>()
    for (const a of ctx.outboundAddresses) {
      const g = this.groupOf(a)
      perGroup.set(g, (perGroup.get(g) ?? 0) + 1)
    }
    const chosen = new Map<string, NetAddress>()
    const tries = ctx.wanted * this.picksPerWanted
    for (let i = 0; i < tries && chosen.size < ctx.wanted; i++) {
      const addr = this.book.pickAddress(bias)
      if (addr === undefined) break
      if (chosen.has(addr.id) || ctx.isExcluded(addr) || ctx.isDialingOrConnected(addr) || ctx.isBanned(addr)) continue
      const g = this.groupOf(addr)
      const n = perGroup.get(g) ?? 0
      if (n >= this.maxPerGroup) continue
      perGroup.set(g, n + 1)
      chosen.set(addr.id, addr)
    }
    return [...chosen.values()]
  }
}

/** The default `DialStrategy`: Go's ensure-peers choice with outbound diversity. */
export function biasedRandomStrategy(init: BiasedRandomStrategyInit = {}): (components: BiasedRandomStrategyComponents) => DialStrategy {
  return (c) => new BiasedRandomStrategy(c.addrBook, init)
}
