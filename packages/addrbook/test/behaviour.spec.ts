/** Spec behaviours of the address book beyond Go's own tests (spec/p2p/v0.34/addressbook.md, facts §7). */
import { type NetAddress, type NodeID, netAddressString } from '@p2p/types'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { addrBook } from '../src/index.js'
import { KnownAddress } from '../src/known-address.js'
import { selectionSize } from '../src/selection.js'
import { addr, assertConsistent, makeBook, randomAddresses, seeded } from './helpers.js'

const id = (n: number): NodeID => n.toString(16).padStart(40, '0') as NodeID
const at = (n: number, ip: string, port = 26656): NetAddress => ({ id: id(n), ip, port })
const SRC = at(999_999, '8.8.8.8')
const rejection = (reason: string, message?: string) =>
  expect.objectContaining({ name: 'AddrBookError', code: 'ADDRBOOK_REJECTED', reason, ...(message === undefined ? {} : { message }) })

describe('addAddress checks, in Go order with Go messages', () => {
  it('nil address or source', () => {
    const book = makeBook()
    expect(() => book.addAddress(undefined as never, SRC)).toThrow(
      rejection('nil', `Cannot add a nil address. Got (addr, src) = (<nil-NetAddress>, ${netAddressString(SRC)})`)
    )
    expect(() => book.addAddress(SRC, null as never)).toThrow(rejection('nil'))
  })

  it('invalid address: unspecified, broadcast, documentation range, bad ID', () => {
    const book = makeBook({ strict: false })
    const zero = at(1, '0.0.0.0')
    expect(() => book.addAddress(zero, SRC)).toThrow(rejection('invalid', `Cannot add invalid address ${netAddressString(zero)}: invalid IP`))
    expect(() => book.addAddress(at(2, '255.255.255.255'), SRC)).toThrow(rejection('invalid'))
    expect(() => book.addAddress(at(3, '2001:db8::1'), SRC)).toThrow(rejection('invalid'))
    const badId = { id: 'xyz' as NodeID, ip: '1.2.3.4', port: 1 }
    expect(() => book.addAddress(badId, SRC)).toThrow(rejection('invalid', expect.stringContaining('invalid ID: ')))
    for (const junk of [{}, { id: 5, ip: '1.2.3.4', port: 1 }, { id: id(1), ip: null, port: 1 }, { id: id(1), ip: '1.2.3.4', port: '1' }, 42]) {
      expect(() => book.addAddress(junk as never, SRC)).toThrow(rejection('invalid'))
      expect(() => book.addAddress(at(1, '1.2.3.4'), junk as never)).toThrow(rejection('invalid'))
    }
    expect(book.size()).toBe(0)
  })

  it('a refusal carries no stack trace (a seed refuses a 0.0.0.0 self-report from most newcomers)', () => {
    const book = makeBook({ strict: false })
    let caught: unknown
    try {
      book.addAddress(at(1, '0.0.0.0'), SRC)
    } catch (err) {
      caught = err
    }
    expect(caught).toMatchObject({ name: 'AddrBookError', reason: 'invalid' })
    expect((caught as Error).stack?.split('\n')).toHaveLength(1)
  })

  it('banned comes before private, private before private source, before self, before non-routable', () => {
    const book = makeBook()
    const a = at(1, '1.2.3.4')
    book.addAddress(a, SRC)
    book.markBad(a, 60_000)
    book.addPrivateIds([a.id])
    expect(() => book.addAddress(a, SRC)).toThrow(rejection('banned', `Address: ${netAddressString(a)} is currently banned`))

    const ours = at(2, '5.6.7.8')
    book.addOurAddress(ours)
    const privateSrc = at(3, '9.9.9.9')
    book.addPrivateIds([ours.id, privateSrc.id])
    expect(() => book.addAddress(ours, privateSrc)).toThrow(rejection('private', expect.stringContaining('Cannot add private peer')))

    const ours2 = at(4, '10.0.0.1')
    book.addOurAddress(ours2)
    expect(() => book.addAddress(ours2, privateSrc)).toThrow(rejection('private', expect.stringContaining('coming from private peer')))
    expect(() => book.addAddress(ours2, SRC)).toThrow(rejection('self', `Cannot add ourselves with address ${netAddressString(ours2)}`))
    const priv = at(5, '10.0.0.2')
    expect(() => book.addAddress(priv, SRC)).toThrow(rejection('non-routable', `Cannot add non-routable address ${netAddressString(priv)}`))
  })

  it('strict mode refuses every non-routable range; non-strict keeps them', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.1.1', '127.0.0.1', 'fc00::1', 'fe80::1', '2001:10::1']) {
      expect(() => makeBook().addAddress(at(1, ip), SRC), ip).toThrow(rejection('non-routable'))
      const loose = makeBook({ strict: false })
      loose.addAddress(at(1, ip), SRC)
      expect(loose.size(), ip).toBe(1)
    }
  })

  it('treats an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const book = makeBook()
    book.addAddress(at(1, '::ffff:1.2.3.4'), SRC)
    expect(book.list()).toEqual([at(1, '1.2.3.4')])
    book.addOurAddress(at(2, '::ffff:5.6.7.8'))
    expect(book.isOurAddress(at(2, '5.6.7.8'))).toBe(true)
    expect(() => book.addAddress(at(2, '5.6.7.8'), SRC)).toThrow(rejection('self'))
  })

  it('addOurAddress also drops that address if the book already held it', () => {
    const book = makeBook()
    const a = at(1, '1.2.3.4')
    book.addAddress(a, SRC)
    book.addOurAddress(a)
    expect(book.size()).toBe(0)
    expect(book.pickAddress(50)).toBeUndefined()
  })
})

describe('known IDs and new buckets', () => {
  it('a known ID joins at most 4 new buckets', () => {
    const book = makeBook({ random: () => 0 }) // every probabilistic add succeeds
    const a = at(1, '1.2.3.4')
    for (let i = 0; i < 60; i++) book.addAddress(a, at(100 + i, `${20 + i}.1.1.1`))
    expect(book.knownAddresses()[0]!.buckets).toHaveLength(4)
    expect(book.size()).toBe(1)
    assertConsistent(book)
  })

  it('a second bucket is added with probability 1/2, a third with 1/4', () => {
    const random = seeded(21)
    let second = 0
    let third = 0
    const trials = 2000
    for (let i = 0; i < trials; i++) {
      const book = makeBook({ random, key: '0123456789abcdef01234567' })
      book.addAddress(at(1, '1.2.3.4'), at(2, '8.8.8.8'))
      book.addAddress(at(1, '1.2.3.4'), at(3, '9.9.9.9')) // another bucket under this key
      const n = book.knownAddresses()[0]!.buckets.length
      if (n === 2) {
        second++
        book.addAddress(at(1, '1.2.3.4'), at(4, '11.11.11.11'))
        if (book.knownAddresses()[0]!.buckets.length === 3) third++
      }
    }
    expect(second / trials).toBeGreaterThan(0.45)
    expect(second / trials).toBeLessThan(0.55)
    expect(third / second).toBeGreaterThan(0.2)
    expect(third / second).toBeLessThan(0.3)
  })

  it('a full new bucket keeps at most 65 and expires the least recently tried entry', () => {
    let now = 1_700_000_000_000
    const book = makeBook({ now: () => now })
    // one /16 and one source: every address hashes to the same new bucket
    for (let i = 0; i < 70; i++) {
      now += 1000
      book.addAddress(at(i, `1.2.${i}.1`), SRC)
    }
    expect(book.size()).toBe(65)
    expect(book.has(at(0, '1.2.0.1'))).toBe(false)
    expect(book.has(at(4, '1.2.4.1'))).toBe(false)
    expect(book.has(at(5, '1.2.5.1'))).toBe(true)
    assertConsistent(book)
  })

  it('a full new bucket expires a bad entry before the oldest one', () => {
    let now = 1_700_000_000_000
    const book = makeBook({ now: () => now })
    for (let i = 0; i < 65; i++) book.addAddress(at(i, `1.2.${i}.1`), SRC)
    const bad = at(30, '1.2.30.1')
    for (let k = 0; k < 3; k++) book.markAttempt(bad) // 3 failures, never a success
    now += 61_000 // and not tried within the last minute
    expect(book.isBad(bad)).toBe(true)
    book.addAddress(at(100, '1.2.100.1'), SRC)
    expect(book.has(bad)).toBe(false)
    expect(book.has(at(0, '1.2.0.1'))).toBe(true)
    expect(book.size()).toBe(65)
  })
})

describe('markGood, markAttempt', () => {
  it('markGood moves to old, resets attempts and sets both times', () => {
    let now = 1_000_000
    const book = makeBook({ now: () => now })
    const a = at(1, '1.2.3.4')
    book.addAddress(a, SRC)
    book.markAttempt(a)
    book.markAttempt(a)
    expect(book.knownAddresses()[0]).toMatchObject({ attempts: 2, bucketType: 'new', lastAttempt: 1_000_000 })
    now = 2_000_000
    book.markGood(a)
    expect(book.knownAddresses()[0]).toMatchObject({
      attempts: 0,
      bucketType: 'old',
      lastAttempt: 2_000_000,
      lastSuccess: 2_000_000,
      buckets: [book.oldBucketFor(a)]
    })
    book.markGood(at(12345, '1.1.1.1')) // unknown: nothing happens
    book.markAttempt(at(12345, '1.1.1.1'))
    expect(book.size()).toBe(1)
  })

  it('a full old bucket sends its least recently tried entry back to a new bucket', () => {
    let now = 1_700_000_000_000
    const book = makeBook({ now: () => now })
    // 300 addresses of one /16 share 4 old buckets (capacity 4 x 65); sources differ so the
    // new buckets never overflow
    const addrs = Array.from({ length: 300 }, (_, i) => at(i, `1.2.${i >> 2}.${(i & 3) + 1}`))
    addrs.forEach((a, i) => {
      book.addAddress(a, at(10_000 + i, `${30 + (i % 150)}.${i >> 1}.1.1`))
    })
    expect(book.size()).toBe(300)
    for (const a of addrs) {
      now += 1000
      book.markGood(a)
    }
    assertConsistent(book)
    // Go would drop the evicted entries (their type stays old); we keep them as new
    expect(book.size()).toBe(300)
    expect(book.table.nOld).toBeLessThanOrEqual(4 * 65)
    expect(book.table.nNew).toBe(300 - book.table.nOld)
    const oldBuckets = new Set(book.knownAddresses().filter((k) => k.bucketType === 'old').map((k) => k.buckets[0]))
    expect(oldBuckets.size).toBeLessThanOrEqual(4)
    // each entry sent back was tried before every entry its full old bucket kept
    const demoted = book.knownAddresses().filter((k) => k.bucketType === 'new')
    expect(demoted.length).toBeGreaterThan(0)
    for (const d of demoted) {
      expect(d.lastSuccess).toBeGreaterThan(0) // it had been promoted
      const kept = [...book.table.oldBuckets[book.oldBucketFor(d.addr)]!]
      expect(kept).toHaveLength(65)
      for (const k of kept) expect(k.lastAttempt).toBeGreaterThan(d.lastAttempt)
    }
  })
})

describe('isBad (Go knownAddress.isBad)', () => {
  const DAY = 86_400_000
  const NOW = 1_700_000_000_000
  it.each([
    ['old entries never', { old: true, lastAttempt: NOW - 30 * DAY, attempts: 50 }, false],
    ['tried within the last minute', { lastAttempt: NOW - 59_000, attempts: 50 }, false],
    ['not tried for over a week', { lastAttempt: NOW - 7 * DAY - 1 }, true],
    ['3 attempts and never a success', { lastAttempt: NOW - 120_000, attempts: 3 }, true],
    ['2 attempts and never a success', { lastAttempt: NOW - 120_000, attempts: 2 }, false],
    ['10 failures, last success over a week ago', { lastAttempt: NOW - 120_000, attempts: 10, lastSuccess: NOW - 8 * DAY }, true],
    ['9 failures, last success over a week ago', { lastAttempt: NOW - 120_000, attempts: 9, lastSuccess: NOW - 8 * DAY }, false],
    ['10 failures, success within the week', { lastAttempt: NOW - 120_000, attempts: 10, lastSuccess: NOW - 6 * DAY }, false]
  ] as const)('%s', (_, e, expected) => {
    const ka = new KnownAddress(at(1, '1.2.3.4'), SRC, e.lastAttempt)
    if ('old' in e) ka.bucketType = 2
    if ('attempts' in e) ka.attempts = e.attempts
    if ('lastSuccess' in e) ka.lastSuccess = e.lastSuccess
    expect(ka.isBad(NOW)).toBe(expected)
  })
})

describe('selection', () => {
  it('size: 23 % of the book, at least 32 or the whole book, at most 250', () => {
    const cases: Array<[number, number]> = [
      [0, 0], [1, 1], [20, 20], [31, 31], [32, 32], [100, 32], [139, 32], [140, 32], [148, 34], [1000, 230], [1086, 249], [1087, 250], [2000, 250], [20000, 250]
    ]
    for (const [n, expected] of cases) expect(selectionSize(n), String(n)).toBe(expected)
    const book = makeBook({ random: seeded(31) })
    for (const a of randomAddresses(1000, seeded(32))) book.addAddress(a, a)
    const size = book.size()
    expect(book.getSelection()).toHaveLength(selectionSize(size))
    expect(book.getSelection(30)).toHaveLength(selectionSize(size))
  })

  it('needMoreAddrs is true below 1000 addresses', () => {
    const book = makeBook({ strict: false })
    for (let i = 0; i < 999; i++) book.addAddress(at(i, `${1 + (i % 200)}.${i >> 3}.1.1`), at(100_000 + i, `${1 + (i % 201)}.9.9.9`))
    expect(book.size()).toBe(999)
    expect(book.needMoreAddrs()).toBe(true)
    book.addAddress(at(5000, '99.99.99.99'), SRC)
    expect(book.needMoreAddrs()).toBe(false)
  })

  it('pickAddress weighs old against new as sqrt(nOld)(100-bias) : sqrt(nNew)bias', () => {
    const random = seeded(33)
    const book = makeBook({ random })
    const addrs = randomAddresses(80, random)
    addrs.forEach((a) => {
      book.addAddress(a, a)
    })
    addrs.slice(0, 16).forEach((a) => {
      book.markGood(a)
    })
    expect(book.table.nOld).toBe(16)
    let old = 0
    const picks = 6000
    for (let i = 0; i < picks; i++) if (book.isGood(book.pickAddress(50)!)) old++
    // 4*50 / (4*50 + 8*50) = 1/3
    expect(old / picks).toBeGreaterThan(0.3)
    expect(old / picks).toBeLessThan(0.366)
    // bias beyond 0..100 is clamped
    expect(book.isGood(book.pickAddress(-20)!)).toBe(true)
    expect(book.isGood(book.pickAddress(250)!)).toBe(false)
  })

  it('pickAddress terminates and stays uniform over buckets even with a constant random source', () => {
    const book = makeBook({ random: () => 0.999999 })
    book.addAddress(at(1, '1.2.3.4'), SRC)
    expect(book.pickAddress(100)).toEqual(at(1, '1.2.3.4'))
  })
})

describe('bans', () => {
  afterEach(() => vi.useRealTimers())

  it('an address not in the book is not banned', () => {
    const book = makeBook()
    book.markBad(at(1, '1.2.3.4'), 60_000)
    expect(book.isBanned(at(1, '1.2.3.4'))).toBe(false)
    book.addAddress(at(1, '1.2.3.4'), SRC)
    expect(book.size()).toBe(1)
  })

  it('a timer reinstates the address when its ban ends, and stop clears it', async () => {
    vi.useFakeTimers()
    const book = makeBook()
    await book.start()
    const a = at(1, '1.2.3.4')
    book.addAddress(a, SRC)
    book.markGood(a)
    book.markBad(a, 5_000)
    expect(book.knownAddresses()).toHaveLength(0)
    vi.advanceTimersByTime(4_999)
    expect(book.knownAddresses()).toHaveLength(0) // knownAddresses() does not reinstate by itself
    vi.advanceTimersByTime(2)
    // back, in a new bucket (Go would lose it: a banned old entry cannot re-enter a new bucket)
    expect(book.knownAddresses()).toMatchObject([{ addr: a, bucketType: 'new' }])
    book.markBad(a, 10_000)
    await book.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a ban longer than setTimeout can wait does not end early', async () => {
    vi.useFakeTimers()
    const book = makeBook()
    await book.start()
    const a = at(1, '1.2.3.4')
    book.addAddress(a, SRC)
    book.markBad(a, 40 * 86_400_000)
    vi.advanceTimersByTime(30 * 86_400_000)
    expect(book.isBanned(a)).toBe(true)
    vi.advanceTimersByTime(10 * 86_400_000 + 10)
    expect(book.knownAddresses()).toHaveLength(1)
    await book.stop()
  })
})

describe('consistency under any sequence of operations', () => {
  it('buckets, lookup and counters always agree (fast-check)', () => {
    const pool = [
      ...randomAddresses(40, seeded(41)),
      ...Array.from({ length: 30 }, (_, i) => at(i, `1.2.${i}.1`)),
      ...Array.from({ length: 10 }, (_, i) => at(i, `5.6.${i}.1`)) // same IDs, other IPs
    ]
    const srcs = [SRC, at(7777, '9.9.9.9'), ...randomAddresses(5, seeded(42))]
    const op = fc.oneof(
      fc.record({ k: fc.constant('add' as const), a: fc.nat(pool.length - 1), s: fc.nat(srcs.length - 1) }),
      fc.record({ k: fc.constantFrom('good' as const, 'attempt' as const, 'bad' as const, 'remove' as const), a: fc.nat(pool.length - 1) }),
      fc.record({ k: fc.constantFrom('tick' as const, 'pick' as const, 'select' as const, 'reinstate' as const) })
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.nat(), (ops, seed) => {
        let now = 1_700_000_000_000
        const book = addrBook({ random: seeded(seed), now: () => now })({})
        for (const o of ops) {
          if (o.k === 'add') {
            try {
              book.addAddress(pool[o.a]!, srcs[o.s]!)
            } catch (err) {
              if ((err as Error).name !== 'AddrBookError') throw err
            }
          } else if (o.k === 'good') book.markGood(pool[o.a]!)
          else if (o.k === 'attempt') book.markAttempt(pool[o.a]!)
          else if (o.k === 'bad') book.markBad(pool[o.a]!, 5_000)
          else if (o.k === 'remove') book.removeAddress(pool[o.a]!)
          else if (o.k === 'tick') now += 3_000
          else if (o.k === 'pick') book.pickAddress(50)
          else if (o.k === 'select') expect(new Set(book.getSelection(30).map(netAddressString)).size).toBe(book.getSelection(30).length)
          else book.reinstateBadPeers()
          assertConsistent(book)
        }
      }),
      { numRuns: 200 }
    )
  })
})

it('addr helper parses Go literals', () => {
  expect(addr('5c9f7a296a779681247ea10affc75dbe40e1ed6b@[2606:4700::1111]:26656').ip).toBe('2606:4700::1111')
})
