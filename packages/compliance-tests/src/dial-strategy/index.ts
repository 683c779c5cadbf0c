/**
 * The `DialStrategy` compliance suite: what the peer manager relies on, whatever a strategy's
 * policy. The suite hands `setup` the candidate addresses; the strategy under test must know them
 * (from a book filled with them, a fixed list, ...) and propose only among them.
 *
 * @example
 * ```ts
 * import suite from '@p2p/compliance-tests/dial-strategy'
 *
 * suite({
 *   async setup (args) { return fixedListStrategy(args!.candidates) },
 *   async teardown () {}
 * })
 * ```
 */
import type { DialContext, DialStrategy, NetAddress, NodeID } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import type { TestSetup } from '../index.js'

/** What the suite passes to `setup`. */
export interface DialStrategySetupArgs {
  /** Every address the strategy may propose (distinct IDs, distinct /16 groups, routable). */
  candidates: NetAddress[]
}

/** Routable IPv4 addresses with distinct IDs and /16 groups. */
export function candidateAddress(n: number): NetAddress {
  const id = (n * 2654435761 + 7).toString(16).padStart(40, '0').slice(-40) as NodeID
  return { id, ip: `${20 + (n % 60)}.${(n * 7) & 255}.${n & 255}.${1 + (n % 250)}`, port: 26656 }
}

/** What a test sets in the {@link dialContext} it builds; the rest is a quiet node's. */
export interface ContextOverrides {
  /** Dials the manager asks for (default 3). */
  wanted?: number
  /** Outbound peers already connected (default 0, of a target of 10). */
  outbound?: number
  /** Addresses the manager would not dial now (default none); banned and connected ones are excluded too. */
  excluded?: (a: NetAddress) => boolean
  /** Addresses on the ban list (default none). */
  banned?: (a: NetAddress) => boolean
  /** Addresses being dialled or connected (default none). */
  connected?: (a: NetAddress) => boolean
  /** Addresses of the outbound peers and dials in flight, for diversity (default none). */
  outboundAddresses?: NetAddress[]
}

/** A `DialContext` as the manager builds it, with the predicates a test chooses. */
export function dialContext(o: ContextOverrides = {}): DialContext {
  const connected = o.connected ?? (() => false)
  const banned = o.banned ?? (() => false)
  const excluded = o.excluded ?? (() => false)
  return {
    wanted: o.wanted ?? 3,
    outboundTarget: 10,
    outbound: o.outbound ?? 0,
    inbound: 0,
    dialing: 0,
    outboundAddresses: o.outboundAddresses ?? [],
    isDialingOrConnected: connected,
    isBanned: banned,
    isExcluded: (a) => excluded(a) || banned(a) || connected(a)
  }
}

const N = 40

/**
 * Registers the `DialStrategy` compliance `describe` block for the strategy `common.setup`
 * builds around the candidates it is given: it proposes only among them, at most `wanted`,
 * never an excluded, banned or connected one, rejects with `AbortError` once aborted, and
 * takes dial results without throwing.
 */
export default function dialStrategySuite(common: TestSetup<DialStrategy, DialStrategySetupArgs>): void {
  describe('DialStrategy compliance', () => {
    const candidates = Array.from({ length: N }, (_, i) => candidateAddress(i + 1))
    const known = new Set(candidates.map((a) => `${a.id}@${a.ip}:${a.port}`))

    async function withStrategy(fn: (s: DialStrategy) => Promise<void>): Promise<void> {
      const s = await common.setup({ candidates })
      try {
        await fn(s)
      } finally {
        await common.teardown(s)
      }
    }

    it('proposes nothing when nothing is wanted', async () => {
      await withStrategy(async (s) => {
        expect(await s.next(dialContext({ wanted: 0 }))).toEqual([])
      })
    })

    it('proposes at most `wanted` distinct candidates, only among those it was given', async () => {
      await withStrategy(async (s) => {
        for (const wanted of [1, 3, 7]) {
          for (let round = 0; round < 10; round++) {
            const out = await s.next(dialContext({ wanted }))
            expect(out.length).toBeLessThanOrEqual(wanted)
            expect(new Set(out.map((a) => a.id)).size).toBe(out.length)
            for (const a of out) expect(known.has(`${a.id}@${a.ip}:${a.port}`)).toBe(true)
          }
        }
      })
    })

    it('finds something to dial when candidates are free and a dial is wanted', async () => {
      await withStrategy(async (s) => {
        let found = 0
        for (let round = 0; round < 10; round++) found += (await s.next(dialContext({ wanted: 3 }))).length
        expect(found).toBeGreaterThan(0)
      })
    })

    it('never proposes what the manager excludes, bans, dials or is connected to', async () => {
      await withStrategy(async (s) => {
        const half = new Set(candidates.filter((_, i) => i % 2 === 0).map((a) => a.id))
        const third = new Set(candidates.filter((_, i) => i % 3 === 0).map((a) => a.id))
        const fifth = new Set(candidates.filter((_, i) => i % 5 === 1).map((a) => a.id))
        const ctx = dialContext({
          wanted: 5,
          excluded: (a) => half.has(a.id),
          banned: (a) => third.has(a.id),
          connected: (a) => fifth.has(a.id)
        })
        for (let round = 0; round < 20; round++) {
          for (const a of await s.next(ctx)) {
            expect(half.has(a.id) || third.has(a.id) || fifth.has(a.id)).toBe(false)
          }
        }
      })
    })

    it('proposes nothing when every candidate is excluded', async () => {
      await withStrategy(async (s) => {
        for (let round = 0; round < 5; round++) expect(await s.next(dialContext({ wanted: 5, excluded: () => true }))).toEqual([])
      })
    })

    it('rejects with AbortError when the signal has fired', async () => {
      await withStrategy(async (s) => {
        const controller = new AbortController()
        controller.abort()
        const err = await s.next(dialContext(), { signal: controller.signal }).then(
          () => undefined,
          (e: unknown) => e
        )
        expect((err as Error | undefined)?.name).toBe('AbortError')
      })
    })

    it('takes dial results without throwing', async () => {
      await withStrategy(async (s) => {
        const [a] = await s.next(dialContext({ wanted: 1 }))
        const addr = a ?? candidates[0]!
        expect(() => s.onDialResult?.(addr, 'ok')).not.toThrow()
        expect(() => s.onDialResult?.(addr, new Error('connection refused'))).not.toThrow()
      })
    })
  })
}
