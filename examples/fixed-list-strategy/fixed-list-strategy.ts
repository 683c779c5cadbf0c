/**
 * A deliberately simple `DialStrategy`: dial a fixed list of addresses, in order, and nothing
 * else (no address book, no randomness). Useful for private networks and tests where the
 * operator knows every node. It passes the same `@p2p/compliance-tests/dial-strategy` suite as
 * `@p2p/peer-manager`'s default `biasedRandomStrategy`.
 */
import { AbortError, type AbortOptions, type DialContext, type DialStrategy, type NetAddress } from '@p2p/types'

export interface FixedListStrategyInit {
  /** Rotate the list after each round, so one dead address first in line does not starve the rest. */
  rotate?: boolean
}

export function fixedListStrategy(addresses: readonly NetAddress[], init: FixedListStrategyInit = {}): DialStrategy {
  const list = [...addresses]
  return {
    async next(ctx: DialContext, options: AbortOptions = {}): Promise<NetAddress[]> {
      if (options.signal?.aborted === true) throw new AbortError()
      const out: NetAddress[] = []
      for (const a of list) {
        if (out.length >= ctx.wanted) break
        if (!ctx.isExcluded(a) && !out.some((o) => o.id === a.id)) out.push(a)
      }
      if (init.rotate === true && list.length > 1) list.push(list.shift()!)
      return out
    }
  }
}
