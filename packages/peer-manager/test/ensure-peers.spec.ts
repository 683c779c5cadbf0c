import { FakeSwitch } from '@p2p/compliance-tests/peer-manager'
import { dialContext } from '@p2p/compliance-tests/dial-strategy'
import type { NetAddress } from '@p2p/types'
import { describe, expect, it, vi } from 'vitest'
import { BiasedRandomStrategy, newAddressBias } from '../src/index.js'
import { candidateAddress, entry, rigsOnFakeTimers } from './helpers.js'

const PERIOD = 1000
const { open } = rigsOnFakeTimers()

const addrs = (n: number, from = 1): NetAddress[] => Array.from({ length: n }, (_, i) => candidateAddress(from + i))

describe('ensure peers (Go ensurePeers)', () => {
  it('dials up to the outbound target, in parallel, and then nothing more', async () => {
    const book = addrs(30)
    const { sw, manager } = open({ maxOutboundPeers: 5 }, { addrs: book })
    sw.reachable(...book)
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    sw.onDial = async (a) => {
      await gate
      return sw.reachableIds.has(a.id) ? 'ok' : new Error('refused')
    }
    await manager.start()
    await vi.advanceTimersByTimeAsync(0)
    // the round does not wait for its dials: all 5 are in flight at once
    expect(sw.dialing.size).toBe(5)
    release()
    await vi.advanceTimersByTimeAsync(10 * PERIOD)
    expect(sw.numPeers().outbound).toBe(5)
    expect(sw.dials.length).toBe(5)
  })

  it('does nothing when outbound + dialling reaches the target', async () => {
    const book = addrs(10)
    const { sw, manager } = open({ maxOutboundPeers: 2 }, { addrs: book })
    sw.reachable(...book)
    sw.connectInbound(candidateAddress(500))
    await manager.start()
    await vi.advanceTimersByTimeAsync(5 * PERIOD)
    expect(sw.numPeers().outbound).toBe(2)
    const before = sw.dials.length
    await vi.advanceTimersByTimeAsync(20 * PERIOD)
    expect(sw.dials.length).toBe(before)
  })

  it('the new-address bias is 10 % + 10 % per outbound peer, at most 90 %', () => {
    expect([0, 1, 2, 3, 5, 8, 9, 50].map(newAddressBias)).toEqual([10, 20, 30, 40, 60, 90, 90, 90])
    const biases: number[] = []
    const s = new BiasedRandomStrategy({
      pickAddress: (bias) => {
        biases.push(bias)
        return undefined
      }
    })
    void s.next(dialContext({ outbound: 3, wanted: 2 }))
    expect(biases).toEqual([40])
  })

  it('picks at most 3 × wanted times and skips what is dialling or connected', async () => {
    const a = candidateAddress(1)
    let picks = 0
    const s = new BiasedRandomStrategy({
      pickAddress: () => {
        picks++
        return a
      }
    })
    expect(await s.next(dialContext({ wanted: 4, connected: (x) => x.id === a.id }))).toEqual([])
    expect(picks).toBe(12)
  })

  it('beyond Go: when the picks come up short, the rest come from a scan of the book', async () => {
    const book = Array.from({ length: 50 }, (_, i) => candidateAddress(i + 1))
    const free = new Set([book[17]!.id, book[42]!.id])
    // the random picks only ever hit connected addresses
    const s = new BiasedRandomStrategy({ pickAddress: () => book[0], list: () => [...book] })
    const ctx = dialContext({ wanted: 3, connected: (x) => !free.has(x.id) })
    expect((await s.next(ctx)).map((x) => x.id).sort()).toEqual([...free].sort())
    const goOnly = new BiasedRandomStrategy({ pickAddress: () => book[0], list: () => [...book] }, { scanWhenShort: false })
    expect(await goOnly.next(ctx)).toEqual([])
  })

  it('runs the first round at once when idle, after a random part of the period when peers exist', async () => {
    const idle = open({ maxOutboundPeers: 1, random: () => 0.5, ensurePeersPeriodMs: 10_000 }, { addrs: addrs(3) })
    idle.sw.reachable(...addrs(3))
    await idle.manager.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(idle.sw.dials.length).toBe(1)

    const busy = open({ maxOutboundPeers: 2, random: () => 0.5, ensurePeersPeriodMs: 10_000 }, { addrs: addrs(3) })
    busy.sw.reachable(...addrs(3))
    busy.sw.connectInbound(candidateAddress(400))
    await busy.manager.start()
    await vi.advanceTimersByTimeAsync(4_999)
    expect(busy.sw.dials.length).toBe(0)
    await vi.advanceTimersByTimeAsync(2)
    expect(busy.sw.dials.length).toBeGreaterThan(0)
  })

  it('never dials our own address, even when the book holds it (tendermint#3716)', async () => {
    const sw = new FakeSwitch({ id: candidateAddress(1).id })
    const { manager } = open({ maxOutboundPeers: 3 }, { addrs: addrs(1), sw })
    sw.reachable(candidateAddress(1))
    await manager.start()
    await vi.advanceTimersByTimeAsync(5 * PERIOD)
    expect(sw.dials).toEqual([])
    expect((await manager.dial(candidateAddress(1)).catch((e: Error & { reason?: string }) => e)) as { name: string; reason: string }).toMatchObject({
      name: 'DialSkippedError',
      reason: 'self'
    })
  })
})

describe('seeds', () => {
  const seed = candidateAddress(900)

  it('dials a seed when the book is empty and connects to it (TestPEXReactorUsesSeedsIfNeeded)', async () => {
    const { sw, manager } = open({ seeds: [entry(seed)] })
    sw.reachable(seed)
    await manager.start()
    await vi.advanceTimersByTimeAsync(3000)
    expect(sw.peers().has(seed.id)).toBe(true)
  })

  it('does not dial seeds while the book has something to dial', async () => {
    const book = addrs(5)
    const { sw, manager } = open({ seeds: [entry(seed)], maxOutboundPeers: 3 }, { addrs: book })
    sw.reachable(seed, ...book)
    await manager.start()
    await vi.advanceTimersByTimeAsync(20 * PERIOD)
    expect(sw.dials.some((d) => d.addr.id === seed.id)).toBe(false)
    expect(sw.numPeers().outbound).toBe(3)
  })

  it('dials addresses a seed hands over at once, not at the next tick (TestConnectionSpeedForPeerReceivedFromSeed)', async () => {
    const p = candidateAddress(7)
    const { sw, book, manager } = open({ seeds: [entry(seed)], ensurePeersPeriodMs: 30_000 })
    sw.reachable(seed, p)
    // the seed's PEX answer lands in the book 50 ms after we connect
    sw.events.addEventListener('peer:add', (e) => {
      if (e.detail.id === seed.id) setTimeout(() => book.addAddress(p, seed), 50)
    })
    await manager.start()
    await vi.advanceTimersByTimeAsync(3000)
    expect(sw.peers().has(seed.id)).toBe(true)
    await vi.advanceTimersByTimeAsync(1000)
    expect(sw.peers().size).toBe(2)
    expect(sw.peers().has(p.id)).toBe(true)
  })

  it('runs a round at once when a seed hangs up', async () => {
    const more = addrs(4, 10)
    const { sw, book, manager } = open({ seeds: [entry(seed)], ensurePeersPeriodMs: 30_000, seedFollowUpMs: 0, maxOutboundPeers: 3 })
    sw.reachable(seed, ...more)
    await manager.start()
    await vi.advanceTimersByTimeAsync(100)
    expect(sw.peers().has(seed.id)).toBe(true)
    for (const a of more) book.addAddress(a, seed)
    sw.disconnect(seed.id)
    await vi.advanceTimersByTimeAsync(100)
    expect(sw.numPeers().outbound).toBe(3)
  })

  it('a seed handing over 250 addresses: outbound ≤ target and dials ≤ cap at every moment, target reached fast', async () => {
    const target = 10
    const cap = 4
    const many = addrs(250, 1000)
    const { sw, book, manager } = open({ seeds: [entry(seed)], ensurePeersPeriodMs: 30_000, maxOutboundPeers: target, maxDialsInFlight: cap })
    sw.reachable(seed, ...many.filter((_, i) => i % 3 !== 0)) // a third of them are dead
    let tick = 0
    sw.onDial = async (a) => {
      await new Promise((r) => setTimeout(r, 20 + ((tick++ * 37) % 180)))
      return sw.reachableIds.has(a.id) ? 'ok' : new Error('connection refused')
    }
    let worstOutbound = 0
    let worstDials = 0
    sw.events.addEventListener('peer:add', (e) => {
      if (e.detail.id === seed.id) setTimeout(() => {
        for (const a of many) book.addAddress(a, seed)
      }, 10)
      worstOutbound = Math.max(worstOutbound, sw.numPeers().outbound - (sw.peers().has(seed.id) ? 1 : 0))
    })
    await manager.start()
    const start = Date.now()
    let reachedAt: number | undefined
    for (let t = 0; t < 30_000; t += 10) {
      await vi.advanceTimersByTimeAsync(10)
      worstDials = Math.max(worstDials, sw.dialing.size, manager.dialsInFlight())
      if (reachedAt === undefined && sw.numPeers().outbound >= target) reachedAt = Date.now() - start
    }
    expect(sw.maxDialsSeen).toBeLessThanOrEqual(cap)
    expect(worstDials).toBeLessThanOrEqual(cap)
    expect(sw.maxOutboundSeen).toBeLessThanOrEqual(target)
    expect(worstOutbound).toBeLessThanOrEqual(target)
    // well before the first 30 s tick: the seed's addresses were dialled at once
    expect(reachedAt).toBeDefined()
    expect(reachedAt!).toBeLessThan(5_000)
    // Go dials all 250 at once; we dialled only a few more than we needed
    expect(sw.dials.length).toBeLessThan(40)
  })
})
