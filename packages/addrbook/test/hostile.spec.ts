/**
 * Bounded under hostile input: the bucket design (a source group reaches at most 32 of the 256
 * new buckets; old entries are never displaced by adds) keeps a flooding peer from pushing out
 * the rest of the book.
 */
import type { NetAddress, NodeID } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { NEW_BUCKET_SIZE, NEW_BUCKETS_PER_GROUP } from '../src/constants.js'
import { assertConsistent, makeBook, randomAddresses, seeded } from './helpers.js'

const CAP = NEW_BUCKETS_PER_GROUP * (NEW_BUCKET_SIZE + 1) // 32 buckets of at most 65

function honestBook(random: () => number, now: () => number) {
  const book = makeBook({ random, now })
  const sources = randomAddresses(1000, random)
  const honest = randomAddresses(8000, random)
  honest.forEach((a, i) => {
    book.addAddress(a, sources[i % sources.length]!)
  })
  const good = honest.slice(0, 500)
  for (const a of good) book.markGood(a)
  return { book, honest: honest.filter((a) => book.has(a)), good }
}

describe('hostile input', () => {
  it('a peer feeding 100,000 addresses from one source cannot push out the book', () => {
    let now = 1_700_000_000_000
    const random = seeded(7)
    const { book, honest, good } = honestBook(random, () => now)
    const before = honest.length
    expect(before).toBeGreaterThan(7900)
    now += 3_600_000

    const attacker: NetAddress = { id: 'ee'.repeat(20) as NodeID, ip: '66.66.66.66', port: 26656 }
    const flood = randomAddresses(100_000, random)
    for (const a of flood) {
      now += 1
      book.addAddress(a, attacker)
    }

    const survivors = honest.filter((a) => book.has(a)).length
    const attackerEntries = book.knownAddresses().filter((k) => k.src.id === attacker.id)
    const attackerBuckets = new Set(attackerEntries.flatMap((k) => k.buckets))
    // the attacker's source group reaches at most 32 new buckets...
    expect(attackerBuckets.size).toBeLessThanOrEqual(NEW_BUCKETS_PER_GROUP)
    expect(attackerEntries.length).toBeLessThanOrEqual(CAP)
    // ...so it displaced at most what those buckets held; everything else survived
    expect(before - survivors).toBeLessThanOrEqual(CAP)
    expect(survivors / before).toBeGreaterThan(0.8)
    // and old (tried) entries are never displaced by adds at all
    for (const a of good) expect(book.isGood(a)).toBe(true)
    assertConsistent(book)
    console.log(`hostile flood: ${survivors}/${before} honest survive, attacker holds ${attackerEntries.length} in ${attackerBuckets.size} buckets`)
  })

  it('a /16 that is both source and subject of the flood (eclipse attempt) stays inside 32 buckets', () => {
    const random = seeded(8)
    const book = makeBook({ random })
    const byte = (): number => Math.floor(random() * 256)
    const id = (): NodeID => Array.from({ length: 20 }, () => byte().toString(16).padStart(2, '0')).join('') as NodeID
    for (let i = 0; i < 20_000; i++) {
      book.addAddress({ id: id(), ip: `6.6.${byte()}.${1 + (byte() % 254)}`, port: 26656 }, { id: id(), ip: `6.6.${byte()}.${1 + (byte() % 254)}`, port: 26656 })
    }
    const buckets = new Set(book.knownAddresses().flatMap((k) => k.buckets))
    expect(buckets.size).toBeLessThanOrEqual(NEW_BUCKETS_PER_GROUP)
    expect(book.size()).toBeLessThanOrEqual(CAP)
  })

  it('one ID announced with 10,000 IPs from 10,000 sources stays one entry in at most 4 buckets', () => {
    const random = seeded(9)
    const book = makeBook({ random })
    const victim = 'ab'.repeat(20) as NodeID
    const first: NetAddress = { id: victim, ip: '1.1.1.1', port: 26656 }
    book.addAddress(first, randomAddresses(1, random)[0]!)
    const sources = randomAddresses(10_000, random)
    sources.forEach((s, i) => {
      book.addAddress({ id: victim, ip: `${20 + (i % 100)}.${i >> 8}.${i & 255}.9`, port: 26656 }, s)
    })
    expect(book.size()).toBe(1)
    expect(book.list()).toEqual([first])
    expect(book.knownAddresses()[0]!.buckets.length).toBeLessThanOrEqual(4)
  })
})
