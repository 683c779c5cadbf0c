import { describe, expect, it } from 'vitest'
import { LivenessRecord } from '../src/liveness.js'
import { RequestClock } from '../src/request-limiter.js'
import { someAddr } from './helpers/fakes.js'

const record = (over: Partial<ConstructorParameters<typeof LivenessRecord>[0]> = {}) =>
  new LivenessRecord({ freshnessWindowMs: 1000, minReporters: 2, maxEntries: 100, maxReportersPerEntry: 4, ...over })

describe('LivenessRecord', () => {
  it('verified within the window, then stale', () => {
    const r = record()
    const a = someAddr(1)
    r.verified(a, 5000)
    expect(r.freshness(a, 6000)).toBe('verified')
    expect(r.freshness(a, 6001)).toBeUndefined()
  })

  it('reconfirmed renews an earlier verification of the same endpoint, and nothing else', () => {
    const r = record()
    const a = someAddr(1)
    expect(r.reconfirmed(a, 100)).toBe(false)
    r.reported(a, 'x', 100)
    r.reported(a, 'y', 100)
    expect(r.reconfirmed(a, 200)).toBe(false)
    expect(r.inspect(a.id)?.verifiedAt).toBe(0)
    r.verified(a, 300)
    expect(r.reconfirmed({ ...a, port: a.port + 1 }, 1200)).toBe(false)
    expect(r.reconfirmed(a, 1200)).toBe(true)
    expect(r.freshness(a, 2200)).toBe('verified')
    expect(r.freshness(a, 2201)).toBeUndefined()
    // A time from the past never moves a verification back.
    expect(r.reconfirmed(a, 50)).toBe(true)
    expect(r.inspect(a.id)?.verifiedAt).toBe(1200)
    r.failed(a, 1300)
    expect(r.reconfirmed(a, 1400)).toBe(false)
    expect(r.freshness(a, 1400)).toBeUndefined()
  })

  it('a failed last dial outweighs reports and an older verification', () => {
    const r = record()
    const a = someAddr(1)
    r.verified(a, 100)
    r.reported(a, 'x', 100)
    r.reported(a, 'y', 100)
    r.failed(a, 200)
    expect(r.freshness(a, 300)).toBeUndefined()
    r.verified(a, 400)
    expect(r.freshness(a, 500)).toBe('verified')
  })

  it('reports vouch for a new address for one window only; after that only a dial does', () => {
    const r = record()
    const a = someAddr(1)
    r.reported(a, 'x', 1000)
    r.reported(a, 'y', 1500)
    expect(r.freshness(a, 1500)).toBe('reported')
    expect(r.freshness(a, 2000)).toBe('reported')
    // Still reported by both, but first heard of more than a window ago.
    r.reported(a, 'x', 2001)
    r.reported(a, 'y', 2001)
    expect(r.freshness(a, 2001)).toBeUndefined()
    r.verified(a, 2100)
    expect(r.freshness(a, 2100)).toBe('verified')
  })

  it('the same ID at another endpoint starts from nothing', () => {
    const r = record()
    const a = someAddr(1)
    r.verified(a, 100)
    r.reported({ ...a, port: a.port + 1 }, 'x', 100)
    expect(r.freshness(a, 100)).toBeUndefined()
    expect(r.size).toBe(1)
  })

  it('failures of unknown endpoints are not recorded', () => {
    const r = record()
    r.failed(someAddr(1), 100)
    expect(r.size).toBe(0)
  })

  it('is bounded: least recently touched entries go first; reporters per entry are capped', () => {
    const r = record({ maxEntries: 3 })
    const addrs = [someAddr(1), someAddr(2), someAddr(3), someAddr(4)]
    for (const a of addrs) r.verified(a, 100)
    expect(r.size).toBe(3)
    expect(r.freshness(addrs[0]!, 100)).toBeUndefined()
    const s = record({ maxReportersPerEntry: 2, minReporters: 3 })
    const a = someAddr(9)
    for (const who of ['a', 'b', 'c']) s.reported(a, who, 100)
    expect(s.freshness(a, 100)).toBeUndefined()
  })

  it('prune forgets what is stale but remembers a recent failure', () => {
    const r = record()
    const stale = someAddr(1)
    const dead = someAddr(2)
    r.verified(stale, 0)
    r.verified(dead, 0)
    r.failed(dead, 500)
    r.prune(5000, 10_000)
    expect(r.size).toBe(1)
    r.prune(20_000, 10_000)
    expect(r.size).toBe(0)
  })

  it('unverified lists reported addresses not verified within the window, oldest first', () => {
    const r = record()
    const a = someAddr(1)
    const b = someAddr(2)
    r.reported(a, 'x', 5000)
    r.verified(b, 100)
    r.reported(b, 'x', 5000)
    expect(r.unverified(5000, 10).map((x) => x.id)).toEqual([a.id, b.id])
    expect(r.unverified(5000, 1)).toHaveLength(1)
  })
})

describe('RequestClock (Go receiveRequest)', () => {
  it('first two free, then one per interval measured from the last accepted', () => {
    const c = new RequestClock(10)
    expect(c.tryRecord(0)).toBe(true)
    expect(c.tryRecord(0)).toBe(true)
    expect(c.tryRecord(9)).toBe(false)
    expect(c.tryRecord(10)).toBe(true)
    expect(c.tryRecord(19)).toBe(false)
    expect(c.tryRecord(20)).toBe(true)
  })
})
