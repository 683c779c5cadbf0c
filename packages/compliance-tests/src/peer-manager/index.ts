/**
 * The `PeerManager` compliance suite: what a node relies on, whatever the manager's policy. The
 * suite drives a {@link FakeSwitch} on fake timers; `setup` builds the manager on it, with an
 * address book that knows `candidates`.
 *
 * @example
 * ```ts
 * import suite from '@p2p/compliance-tests/peer-manager'
 *
 * suite({
 *   async setup (args) {
 *     const book = bookWith(args!.candidates)
 *     return peerManager({ maxOutboundPeers: args!.maxOutboundPeers, ensurePeersPeriodMs: args!.ensurePeersPeriodMs,
 *       persistentPeers: args!.persistentPeers })({ switch: args!.switch, addrBook: book })
 *   },
 *   async teardown () {}
 * })
 * ```
 */
import type { NetAddress, PeerManager } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { candidateAddress } from '../dial-strategy/index.js'
import type { TestSetup } from '../index.js'
import { FakeSwitch } from './fake-switch.js'

export { type FakeDialOutcome, FakeSwitch, type FakeSwitchInit, type FakeSwitchSurface, fakeNodeInfo } from './fake-switch.js'

/** What the suite passes to `setup`. */
export interface PeerManagerSetupArgs {
  switch: FakeSwitch
  /** Addresses the manager's book must know. */
  candidates: NetAddress[]
  /** `id@ip:port` entries to keep connected for ever. */
  persistentPeers: string[]
  maxOutboundPeers: number
  ensurePeersPeriodMs: number
}

const PERIOD = 1000
const TARGET = 4

function entry(a: NetAddress): string {
  return `${a.id}@${a.ip}:${a.port}`
}

/**
 * Registers the `PeerManager` compliance `describe` block (on vitest's fake timers) for the
 * manager `common.setup` builds on the given {@link FakeSwitch}: it reaches the outbound
 * target and never passes it, tops up after a loss, keeps persistent peers connected, and
 * `stop` aborts dials in flight and leaves no timer behind.
 */
export default function peerManagerSuite(common: TestSetup<PeerManager, PeerManagerSetupArgs>): void {
  describe('PeerManager compliance', () => {
    let managers: PeerManager[]

    beforeEach(() => {
      vi.useFakeTimers()
      managers = []
    })

    afterEach(async () => {
      for (const m of managers) {
        await m.stop()
        await common.teardown(m)
      }
      vi.useRealTimers()
    })

    async function open(o: Partial<Omit<PeerManagerSetupArgs, 'switch'>> & { sw?: FakeSwitch } = {}): Promise<{ m: PeerManager; sw: FakeSwitch; candidates: NetAddress[] }> {
      const sw = o.sw ?? new FakeSwitch()
      const candidates = o.candidates ?? Array.from({ length: 30 }, (_, i) => candidateAddress(i + 1))
      sw.reachable(...candidates)
      const m = await common.setup({
        switch: sw,
        candidates,
        persistentPeers: o.persistentPeers ?? [],
        maxOutboundPeers: o.maxOutboundPeers ?? TARGET,
        ensurePeersPeriodMs: o.ensurePeersPeriodMs ?? PERIOD
      })
      managers.push(m)
      return { m, sw, candidates }
    }

    it('start and stop are idempotent, and stop leaves no timer behind', async () => {
      const { m } = await open()
      await Promise.all([m.start(), m.start()])
      await vi.advanceTimersByTimeAsync(3 * PERIOD)
      await Promise.all([m.stop(), m.stop()])
      await m.stop()
      expect(vi.getTimerCount()).toBe(0)
    })

    it('reaches the outbound target from the book and never goes past it', async () => {
      const { m, sw } = await open()
      await m.start()
      await vi.advanceTimersByTimeAsync(5 * PERIOD)
      expect(sw.numPeers().outbound).toBe(TARGET)
      expect(sw.maxOutboundSeen).toBeLessThanOrEqual(TARGET)
    })

    it('tops up again after an outbound peer goes away', async () => {
      const { m, sw } = await open()
      await m.start()
      await vi.advanceTimersByTimeAsync(5 * PERIOD)
      const [first] = sw.peers().list()
      sw.disconnect(first!.id)
      expect(sw.numPeers().outbound).toBe(TARGET - 1)
      await vi.advanceTimersByTimeAsync(5 * PERIOD)
      expect(sw.numPeers().outbound).toBe(TARGET)
    })

    it('dial() connects, and a second dial of a connected peer is AlreadyConnectedError', async () => {
      const { m, sw, candidates } = await open({ maxOutboundPeers: 0 })
      await m.start()
      const target = candidates[0]!
      const peer = await m.dial(target)
      expect(peer.id).toBe(target.id)
      expect(sw.peers().has(target.id)).toBe(true)
      expect(m.isDialingOrConnected(target)).toBe(true)
      expect(m.isDialingOrConnected(candidates[1]!)).toBe(false)
      const err = await m.dial(target).then(
        () => undefined,
        (e: unknown) => e as Error
      )
      expect(err?.name).toBe('AlreadyConnectedError')
    })

    it('dials persistent peers at start and again after each loss', async () => {
      const sw = new FakeSwitch()
      const friend = candidateAddress(999)
      sw.reachable(friend)
      const { m } = await open({ sw, persistentPeers: [entry(friend)], maxOutboundPeers: 0 })
      await m.start()
      await vi.advanceTimersByTimeAsync(PERIOD)
      expect(sw.peers().has(friend.id)).toBe(true)
      for (let i = 0; i < 3; i++) {
        await vi.advanceTimersByTimeAsync(60_000)
        sw.disconnect(friend.id)
        expect(sw.peers().has(friend.id)).toBe(false)
        await vi.advanceTimersByTimeAsync(10 * PERIOD)
        expect(sw.peers().has(friend.id)).toBe(true)
      }
    })

    it('keeps dialling an unreachable persistent peer, and connects when it returns', async () => {
      const sw = new FakeSwitch()
      const friend = candidateAddress(998)
      const { m } = await open({ sw, persistentPeers: [entry(friend)], maxOutboundPeers: 0 })
      await m.start()
      await vi.advanceTimersByTimeAsync(60 * 60_000)
      const tries = sw.dials.filter((d) => d.addr.id === friend.id).length
      expect(tries).toBeGreaterThan(5)
      sw.reachable(friend)
      await vi.advanceTimersByTimeAsync(60 * 60_000)
      expect(sw.peers().has(friend.id)).toBe(true)
    })

    it('stop aborts dials in flight', async () => {
      const sw = new FakeSwitch({ onDial: () => new Promise<never>(() => {}) })
      const { m } = await open({ sw })
      await m.start()
      await vi.advanceTimersByTimeAsync(PERIOD)
      expect(sw.dialing.size).toBeGreaterThan(0)
      await m.stop()
      expect(sw.dialing.size).toBe(0)
      expect(vi.getTimerCount()).toBe(0)
    })
  })
}
