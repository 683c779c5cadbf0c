/**
 * The behaviours of Go's p2p/pex/addrbook_test.go (v0.34.35), one `it` per Go test, restated
 * against this book. Books are strict, addresses random routable IPv4 as in Go, but seeded.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type NetAddress, netAddressString } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addrBook, type BucketedAddrBook } from '../src/index.js'
import { percentageOfNum } from '../src/selection.js'
import { addr, makeBook, randomAddresses, seeded, tempDir } from './helpers.js'

const BIAS = 30

function pairs(n: number, random: () => number): Array<{ addr: NetAddress; src: NetAddress }> {
  const as = randomAddresses(2 * n, random)
  return Array.from({ length: n }, (_, i) => ({ addr: as[2 * i]!, src: as[2 * i + 1]! }))
}

function bookWithOldAndNew(nOld: number, nNew: number, seed: number): BucketedAddrBook {
  const random = seeded(seed)
  const book = makeBook({ random })
  expect(book.size()).toBe(0)
  for (const p of pairs(nOld, random)) {
    book.addAddress(p.addr, p.src)
    book.markGood(p.addr)
  }
  for (const p of pairs(nNew, random)) book.addAddress(p.addr, p.src)
  return book
}

function countOldNew(book: BucketedAddrBook, selection: NetAddress[]): { nOld: number; nNew: number } {
  let nOld = 0
  for (const a of selection) if (book.isGood(a)) nOld++
  return { nOld, nNew: selection.length - nOld }
}

describe('Go addrbook_test.go', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => ({ dir, cleanup } = tempDir()))
  afterEach(() => cleanup())

  it('TestAddrBookPickAddress: picks by side and does not fall back to the other side', () => {
    const book = makeBook()
    expect(book.size()).toBe(0)
    expect(book.pickAddress(50)).toBeUndefined()
    const [p] = pairs(1, seeded(2))
    book.addAddress(p!.addr, p!.src)
    for (const bias of [0, 50, 100]) expect(book.pickAddress(bias)).toEqual(p!.addr)
    book.markGood(p!.addr)
    expect(book.pickAddress(0)).toEqual(p!.addr)
    expect(book.pickAddress(50)).toEqual(p!.addr)
    expect(book.pickAddress(100)).toBeUndefined()
  })

  it('TestAddrBookSaveLoad: an empty book and a book of 100 survive save and load', async () => {
    const path = join(dir, 'addrbook.json')
    let book = makeBook({ filePath: path })
    await book.save()
    book = makeBook({ filePath: path })
    await book.start()
    expect(book.size()).toBe(0)
    for (const p of pairs(100, seeded(3))) book.addAddress(p.addr, p.src)
    expect(book.size()).toBe(100)
    await book.save()
    await book.stop()
    book = makeBook({ filePath: path })
    await book.start()
    expect(book.size()).toBe(100)
    await book.stop()
  })

  it('TestAddrBookLookup: every added address is found', () => {
    const book = makeBook()
    for (const p of pairs(100, seeded(4))) {
      book.addAddress(p.addr, p.src)
      expect(book.has(p.addr)).toBe(true)
    }
  })

  it('TestAddrBookPromoteToOld: promotion neither duplicates nor drops entries', () => {
    const book = makeBook()
    const ps = pairs(100, seeded(5))
    for (const p of ps) book.addAddress(p.addr, p.src)
    for (const p of ps) book.markAttempt(p.addr)
    ps.forEach((p, i) => {
      if (i % 2 === 0) book.markGood(p.addr)
    })
    expect(book.getSelection().length).toBeLessThanOrEqual(book.size())
    expect(book.getSelectionWithBias(BIAS).length).toBeLessThanOrEqual(book.size())
    expect(book.size()).toBe(100)
    expect(book.table.nOld).toBe(50)
  })

  it('TestAddrBookHandlesDuplicates: the same address three times, twice from another source', () => {
    const random = seeded(6)
    const book = makeBook({ random })
    const [differentSrc] = randomAddresses(1, random)
    for (const p of pairs(100, random)) {
      book.addAddress(p.addr, p.src)
      book.addAddress(p.addr, p.src)
      book.addAddress(p.addr, differentSrc!)
    }
    expect(book.size()).toBe(100)
  })

  it('TestAddrBookRemoveAddress: removes one; removing an unknown one is a no-op', () => {
    const book = makeBook()
    const [a, other] = randomAddresses(2, seeded(7))
    book.addAddress(a!, a!)
    expect(book.size()).toBe(1)
    book.removeAddress(a!)
    expect(book.size()).toBe(0)
    book.removeAddress(other!)
    expect(book.size()).toBe(0)
  })

  it('TestAddrBookGetSelectionWithOneMarkedGood: 1 old + 9 new gives exactly 1 old and 9 new', () => {
    const book = bookWithOldAndNew(1, 9, 8)
    expect(countOldNew(book, book.getSelectionWithBias(BIAS))).toEqual({ nOld: 1, nNew: 9 })
  })

  it('TestAddrBookGetSelectionWithOneNotMarkedGood: 9 old + 1 new gives exactly 9 old and 1 new', () => {
    const book = bookWithOldAndNew(9, 1, 9)
    expect(countOldNew(book, book.getSelectionWithBias(BIAS))).toEqual({ nOld: 9, nNew: 1 })
  })

  it('TestAddrBookGetSelectionReturnsNilWhenAddrBookIsEmpty: an empty array (Go: nil)', () => {
    const book = bookWithOldAndNew(0, 0, 10)
    expect(book.getSelectionWithBias(BIAS)).toEqual([])
    expect(book.getSelection(BIAS)).toEqual([])
  })

  for (const biased of [false, true]) {
    const name = biased ? 'TestAddrBookGetSelectionWithBias' : 'TestAddrBookGetSelection'
    it(`${name}: empty, one address, then no duplicates and never more than the book`, () => {
      const random = seeded(biased ? 11 : 12)
      const book = makeBook({ random })
      const select = (): NetAddress[] => (biased ? book.getSelectionWithBias(BIAS) : book.getSelection())
      expect(select()).toEqual([])
      const [a] = randomAddresses(1, random)
      book.addAddress(a!, a!)
      expect(select()).toEqual([a])
      const ps = pairs(100, random)
      for (const p of ps) book.addAddress(p.addr, p.src)
      const selection = select()
      expect(new Set(selection.map(netAddressString)).size).toBe(selection.length)
      expect(selection.length).toBeLessThanOrEqual(book.size())
      if (!biased) return
      // mark 80 % good; about 70 % of the biased selection must then be good
      ps.forEach((p, i) => {
        if (Math.trunc((i / ps.length) * 100) >= 20) book.markGood(p.addr)
      })
      const s2 = book.getSelectionWithBias(BIAS)
      const good = s2.filter((x) => book.isGood(x)).length
      const got = Math.trunc((good / s2.length) * 100)
      const slack = Math.round(100 / s2.length)
      expect(got).toBeGreaterThanOrEqual(100 - BIAS - slack)
      expect(got).toBeLessThanOrEqual(100 - BIAS + slack)
    })
  }

  it('TestAddrBookHasAddress: true after add, false after remove', () => {
    const book = makeBook()
    const [a] = randomAddresses(1, seeded(13))
    book.addAddress(a!, a!)
    expect(book.has(a!)).toBe(true)
    book.removeAddress(a!)
    expect(book.has(a!)).toBe(false)
  })

  it('TestBanBadPeers: banned, refused, then reinstated into a new bucket', () => {
    let now = 1_700_000_000_000
    const book = makeBook({ now: () => now })
    const [a] = randomAddresses(1, seeded(14))
    book.addAddress(a!, a!)
    book.markBad(a!, 1000)
    expect(book.has(a!)).toBe(false)
    expect(book.isBanned(a!)).toBe(true)
    expect(() => book.addAddress(a!, a!)).toThrow(expect.objectContaining({ name: 'AddrBookError', reason: 'banned' }))
    now += 1000
    book.reinstateBadPeers()
    expect(book.size()).toBe(1)
    expect(book.has(a!)).toBe(true)
    expect(book.isGood(a!)).toBe(false)
    expect(book.isBanned(a!)).toBe(false)
  })

  it('TestAddrBookEmpty: our own address and private IDs do not count', () => {
    const random = seeded(15)
    const book = addrBook({ random, privateIds: randomAddresses(5, random).map((a) => a.id) })({})
    expect(book.size()).toBe(0)
    book.addOurAddress(randomAddresses(1, random)[0]!)
    expect(book.size()).toBe(0)
    book.addPrivateIds(randomAddresses(5, random).map((a) => a.id))
    expect(book.size()).toBe(0)
    const [x, y] = randomAddresses(2, random)
    book.addAddress(x!, y!)
    expect(book.size()).toBe(1)
  })

  it('TestPrivatePeers: private addresses and addresses from private sources are refused', () => {
    const random = seeded(16)
    const privateAddrs = randomAddresses(10, random)
    const book = makeBook({ random, privateIds: privateAddrs.map((a) => a.id) })
    for (const a of privateAddrs) {
      expect(() => book.addAddress(a, a)).toThrow(
        expect.objectContaining({ reason: 'private', message: `Cannot add private peer with address ${netAddressString(a)}` })
      )
    }
    const [other] = randomAddresses(1, random)
    expect(() => book.addAddress(other!, privateAddrs[0]!)).toThrow(
      expect.objectContaining({
        reason: 'private',
        message: `Cannot add peer coming from private peer with address ${netAddressString(privateAddrs[0]!)}`
      })
    )
    expect(book.size()).toBe(0)
  })

  it('TestMultipleAddrBookAddressSelection: counts and new-then-old layout for every split', () => {
    const random = seeded(17)
    const sizes = Array.from({ length: 31 }, (_, i) => i + 1)
    sizes.push(33 + Math.floor(random() * 67), 100 + Math.floor(random() * 75))
    let seed = 100
    for (const size of sizes) {
      for (let nBookOld = 0; nBookOld <= size; nBookOld++) {
        const book = bookWithOldAndNew(nBookOld, size - nBookOld, seed++)
        const selection = book.getSelectionWithBias(BIAS)
        const label = `book of ${size} (old ${nBookOld})`
        expect(selection.length, label).toBeGreaterThan(0)
        expect(selection.every((a) => a != null)).toBe(true)
        const { nOld, nNew } = countOldNew(book, selection)
        const k = percentageOfNum(BIAS, selection.length)
        const expNew = Math.min(nNew, Math.max(k, selection.length - nBookOld))
        const expOld = Math.min(nOld, selection.length - expNew)
        expect(nNew, label).toBe(expNew)
        expect(nOld, label).toBe(expOld)
        // all new first, then all old
        const types = selection.map((a) => (book.isGood(a) ? 'old' : 'new'))
        expect(types.join(','), label).toBe([...Array(nNew).fill('new'), ...Array(nOld).fill('old')].join(','))
      }
    }
  })

  it('TestAddrBookAddDoesNotOverwriteOldIP: a good ID keeps its IP', () => {
    const real = addr('678503e6c8f50db7279c7da3cb9b072aac4bc0d5@1.1.1.1:26656')
    const attempt = addr('678503e6c8f50db7279c7da3cb9b072aac4bc0d5@2.2.2.2:26656')
    const src = addr('b0dd378c3fbc4c156cd6d302a799f0d2e4227201@159.89.121.174:26656')
    const book = makeBook()
    book.addAddress(real, src)
    book.markAttempt(real)
    book.markGood(real)
    book.addAddress(real, src)
    for (let i = 0; i < 10; i++) book.addAddress(attempt, src)
    for (let i = 0; i < 10; i++) for (const a of book.getSelection()) expect(a.ip).toBe('1.1.1.1')
    expect(book.list()).toEqual([real])
  })

  it('TestAddrBookSaveLoad also holds for a file another book wrote with entries', async () => {
    const path = join(dir, 'addrbook.json')
    writeFileSync(path, '{"key":"0123456789abcdef01234567","addrs":[]}')
    const book = makeBook({ filePath: path })
    await book.start()
    expect(book.size()).toBe(0)
    expect(book.key).toBe('0123456789abcdef01234567')
    await book.stop()
  })
})
