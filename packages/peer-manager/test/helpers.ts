import { addrBook, type BucketedAddrBook } from '@p2p/addrbook'
import { candidateAddress } from '@p2p/compliance-tests/dial-strategy'
import { FakeSwitch } from '@p2p/compliance-tests/peer-manager'
import type { NetAddress, NodeID } from '@p2p/types'
import { afterEach, beforeEach, expect, vi } from 'vitest'
import { type PeerManagerInit, peerManager } from '../src/index.js'

export { candidateAddress }

/** A routable source address for `addAddress`. */
export const SOURCE: NetAddress = { id: 'a'.repeat(40) as NodeID, ip: '8.8.8.8', port: 26656 }

/** A loopback address 127.0.x.y with a distinct ID. */
export function loopback(n: number, port = 26656): NetAddress {
  const id = (n * 2654435761 + 3).toString(16).padStart(40, '0').slice(-40) as NodeID
  return { id, ip: `127.0.${(n >> 8) & 255}.${n & 255}`, port }
}

export function entry(a: NetAddress, host = a.ip): string {
  return `${a.id}@${host}:${a.port}`
}

/** The real bucketed book (not strict, so loopback works), filled with `addrs`. */
export function bookWith(addrs: NetAddress[] = [], random: () => number = Math.random): BucketedAddrBook {
  const book = addrBook({ strict: false, random, now: () => Date.now() })({})
  for (const a of addrs) book.addAddress(a, SOURCE)
  return book
}

/** Seeded uniform [0, 1) so runs repeat. */
export function seededRandom(seed = 1): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Rig {
  sw: FakeSwitch
  book: BucketedAddrBook
  manager: ReturnType<ReturnType<typeof peerManager>>
}

/** A manager on a fake switch and a real book, with a fixed random source. */
export function rig(init: PeerManagerInit = {}, o: { addrs?: NetAddress[]; sw?: FakeSwitch } = {}): Rig {
  const random = init.random ?? seededRandom(7)
  const sw = o.sw ?? new FakeSwitch()
  const book = bookWith(o.addrs ?? [], random)
  const manager = peerManager({ ensurePeersPeriodMs: 1000, random, ...init })({ switch: sw, addrBook: book })
  return { sw, book, manager }
}

export interface Rigs {
  /** A {@link rig} (over the defaults given to {@link rigsOnFakeTimers}) that is stopped after the test. */
  open(init?: PeerManagerInit, o?: Parameters<typeof rig>[1]): Rig
  /** Stops a manager built by hand after the test, as `open` does. */
  track(r: Rig): Rig
}

/**
 * Fake timers in every test of the file; after each test the rigs it opened are stopped and no
 * timer may be left. `defaults` go under each `open`'s own options.
 */
export function rigsOnFakeTimers(defaults: PeerManagerInit = {}): Rigs {
  const rigs: Rig[] = []
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(async () => {
    for (const r of rigs.splice(0)) await r.manager.stop()
    expect(vi.getTimerCount()).toBe(0)
    vi.useRealTimers()
  })
  const track = (r: Rig): Rig => {
    rigs.push(r)
    return r
  }
  return { open: (init = {}, o = {}) => track(rig({ ...defaults, ...init }, o)), track }
}

export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p
  } catch (err) {
    return err as Error & Record<string, unknown>
  }
  throw new Error('expected a rejection')
}
