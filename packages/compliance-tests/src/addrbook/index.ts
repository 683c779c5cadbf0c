/**
 * The `AddrBook` compliance suite: what PEX and the peer manager rely on, whatever the book's
 * storage or placement policy. Run it from a vitest file with a {@link TestSetup} that builds a
 * fresh book for each test.
 *
 * @example
 * ```ts
 * // test/compliance.spec.ts of an AddrBook implementation (here @p2p/addrbook's `addrBook`)
 * import suite from '@p2p/compliance-tests/addrbook'
 *
 * suite({
 *   async setup (args) { return addrBook({ filePath: args?.filePath })({}) },
 *   async teardown () {}
 * })
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type AddrBook, isStartable, type NetAddress, type NodeID, type Startable } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TestSetup } from '../index.js'

/** What the suite passes to `setup`. */
export interface AddrBookSetupArgs {
  /**
   * A file path in a fresh directory. The book must persist there on `save()` (and `stop()`)
   * and read it back on `start()`; two books set up with the same path share their state.
   */
  filePath: string
}

/** An address book as the suite drives it: `start`/`stop` are called when present. */
export type AddrBookUnderTest = AddrBook & Partial<Startable>

/** Deterministic public (routable) IPv4 addresses with distinct IDs and /16s. */
function address(n: number): NetAddress {
  const id = (n * 2654435761 + 1).toString(16).padStart(40, '0').slice(-40) as NodeID
  const a = 20 + (n % 60) // 20..79: public unicast, never private or local
  return { id, ip: `${a}.${(n >> 6) & 255}.${n & 255}.${1 + (n % 250)}`, port: 26656 + (n % 1000) }
}

const key = (a: NetAddress): string => `${a.id}@${a.ip}:${a.port}`

function expectAddrBookError(fn: () => void, reason: string): void {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown, 'expected an AddrBookError').toBeDefined()
  expect((thrown as Error).name).toBe('AddrBookError')
  expect((thrown as { reason: string }).reason).toBe(reason)
}

/** The `AddrBook` compliance suite: registers its vitest `describe` block for the implementation `common` builds. */
export default function addrBookSuite(common: TestSetup<AddrBookUnderTest, AddrBookSetupArgs>): void {
  describe('AddrBook compliance', () => {
    let dir: string
    let books: AddrBookUnderTest[]

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'addrbook-compliance-'))
      books = []
    })

    afterEach(async () => {
      vi.useRealTimers()
      for (const book of books) {
        if (isStartable(book)) await book.stop()
        await common.teardown(book)
      }
      await rm(dir, { recursive: true, force: true })
    })

    async function open(name = 'addrbook.json'): Promise<AddrBookUnderTest> {
      const book = await common.setup({ filePath: join(dir, name) })
      books.push(book)
      if (isStartable(book)) await book.start()
      return book
    }

    async function close(book: AddrBookUnderTest): Promise<void> {
      books = books.filter((b) => b !== book)
      if (isStartable(book)) await book.stop()
      await common.teardown(book)
    }

    it('starts empty', async () => {
      const book = await open()
      expect(book.size()).toBe(0)
      expect(book.list()).toEqual([])
      expect(book.pickAddress(50)).toBeUndefined()
      expect(book.getSelection()).toHaveLength(0)
      expect(book.getSelection(30)).toHaveLength(0)
      expect(book.needMoreAddrs()).toBe(true)
      expect(book.has(address(1))).toBe(false)
    })

    it('adds addresses; adding one again, from any source, is idempotent', async () => {
      const book = await open()
      book.addAddress(address(1), address(100))
      book.addAddress(address(1), address(100))
      book.addAddress(address(1), address(101))
      book.addAddress(address(2), address(100))
      expect(book.size()).toBe(2)
      expect(book.has(address(1))).toBe(true)
      expect(book.list().map(key).sort()).toEqual([address(1), address(2)].map(key).sort())
    })

    it('refuses our own address and never counts it', async () => {
      const book = await open()
      const ours = address(7)
      book.addOurAddress(ours)
      expect(book.isOurAddress(ours)).toBe(true)
      expect(book.isOurAddress(address(8))).toBe(false)
      expectAddrBookError(() => book.addAddress(ours, address(100)), 'self')
      expect(book.size()).toBe(0)
      expect(book.has(ours)).toBe(false)
    })

    it('refuses invalid addresses with AddrBookError and never throws anything else', async () => {
      const book = await open()
      const src = address(100)
      expectAddrBookError(() => book.addAddress({ ...address(1), ip: '0.0.0.0' }, src), 'invalid')
      expectAddrBookError(() => book.addAddress({ ...address(1), ip: '255.255.255.255' }, src), 'invalid')
      expectAddrBookError(() => book.addAddress({ ...address(1), id: 'not-an-id' as NodeID }, src), 'invalid')
      expectAddrBookError(() => book.addAddress({ id: '' as NodeID, ip: '', port: 0 }, src), 'invalid')
      expect(book.size()).toBe(0)
    })

    it('removes addresses; removing an unknown one is a no-op', async () => {
      const book = await open()
      book.addAddress(address(1), address(100))
      book.addAddress(address(2), address(100))
      book.removeAddress(address(1))
      book.removeAddress(address(3))
      expect(book.has(address(1))).toBe(false)
      expect(book.size()).toBe(1)
      expect(book.list().map(key)).toEqual([key(address(2))])
    })

    it('markAttempt keeps the address; marking unknown addresses does nothing', async () => {
      const book = await open()
      book.addAddress(address(1), address(100))
      book.markAttempt(address(1))
      book.markAttempt(address(2))
      book.markGood(address(3))
      expect(book.size()).toBe(1)
      expect(book.has(address(1))).toBe(true)
    })

    it('markGood moves an address from the new to the old set (bias 0 picks old, 100 picks new)', async () => {
      const book = await open()
      for (let i = 1; i <= 10; i++) book.addAddress(address(i), address(100 + i))
      for (let i = 1; i <= 3; i++) book.markGood(address(i))
      const good = new Set([1, 2, 3].map((i) => key(address(i))))
      for (let n = 0; n < 50; n++) {
        const old = book.pickAddress(0)
        expect(old).toBeDefined()
        expect(good.has(key(old!))).toBe(true)
        const fresh = book.pickAddress(100)
        expect(fresh).toBeDefined()
        expect(good.has(key(fresh!))).toBe(false)
      }
      expect(book.size()).toBe(10)
    })

    it('a banned address is hidden until its ban ends, then can be added again', async () => {
      vi.useFakeTimers()
      const book = await open()
      for (let i = 1; i <= 5; i++) book.addAddress(address(i), address(100))
      const bad = address(3)
      book.markBad(bad, 60_000)
      expect(book.has(bad)).toBe(false)
      expect(book.list().map(key)).not.toContain(key(bad))
      expectAddrBookError(() => book.addAddress(bad, address(100)), 'banned')
      for (let n = 0; n < 100; n++) expect(key(book.pickAddress(50)!)).not.toBe(key(bad))
      expect(book.getSelection().map(key)).not.toContain(key(bad))
      await vi.advanceTimersByTimeAsync(60_001)
      book.addAddress(bad, address(100))
      expect(book.has(bad)).toBe(true)
    })

    it('never picks or selects a banned address or one of ours', async () => {
      const book = await open()
      for (let i = 1; i <= 40; i++) book.addAddress(address(i), address(200 + (i % 7)))
      const banned = new Set<string>()
      for (let i = 1; i <= 40; i += 4) {
        book.markBad(address(i), 3_600_000)
        banned.add(key(address(i)))
      }
      book.addOurAddress(address(41))
      expectAddrBookError(() => book.addAddress(address(41), address(200)), 'self')
      for (let n = 0; n < 200; n++) {
        const pick = book.pickAddress(n % 101)
        if (pick !== undefined) expect(banned.has(key(pick))).toBe(false)
      }
      for (const bias of [undefined, 0, 30, 100]) {
        for (const a of book.getSelection(bias)) {
          expect(banned.has(key(a))).toBe(false)
          expect(key(a)).not.toBe(key(address(41)))
        }
      }
    })

    it('selections hold distinct book addresses, at least min(size, 32) and at most 250', async () => {
      const book = await open()
      for (let i = 1; i <= 400; i++) book.addAddress(address(i), address(1000 + (i % 50)))
      for (let i = 1; i <= 400; i += 3) book.markGood(address(i))
      const inBook = new Set(book.list().map(key))
      for (const bias of [undefined, 0, 30, 100]) {
        const selection = book.getSelection(bias)
        const keys = selection.map(key)
        expect(new Set(keys).size).toBe(keys.length)
        expect(keys.every((k) => inBook.has(k))).toBe(true)
        expect(selection.length).toBeGreaterThanOrEqual(Math.min(book.size(), 32))
        expect(selection.length).toBeLessThanOrEqual(250)
      }
      const small = await open('small.json')
      small.addAddress(address(1), address(2))
      expect(small.getSelection().map(key)).toEqual([key(address(1))])
    })

    it('save then load gives back the same addresses and which of them are good', async () => {
      const first = await open()
      for (let i = 1; i <= 50; i++) first.addAddress(address(i), address(100 + (i % 9)))
      for (let i = 1; i <= 10; i++) first.markGood(address(i))
      await first.save()
      const before = first.list().map(key).sort()
      await close(first)

      const second = await open()
      expect(second.size()).toBe(before.length)
      expect(second.list().map(key).sort()).toEqual(before)
      const good = new Set(Array.from({ length: 10 }, (_, i) => key(address(i + 1))))
      for (let n = 0; n < 30; n++) expect(good.has(key(second.pickAddress(0)!))).toBe(true)
    })

    it('a save in progress does not lose an address added meanwhile', async () => {
      const book = await open()
      book.addAddress(address(1), address(100))
      const saving = book.save()
      book.addAddress(address(2), address(100))
      await saving
      await book.save()
      await close(book)
      const again = await open()
      expect(again.has(address(2))).toBe(true)
    })

    it('start and stop are idempotent', async () => {
      const book = await open()
      if (!isStartable(book)) {
        expect(isStartable(book)).toBe(false)
        return
      }
      // A second start neither reloads nor resets what the book holds.
      book.addAddress(address(1), address(2))
      await book.start()
      expect(book.size()).toBe(1)
      expect(book.has(address(1))).toBe(true)
      await close(book)
      await expect(Promise.resolve(book.stop())).resolves.toBeUndefined()
      // What the first stop saved comes back once, however many times the next book starts.
      const again = await open()
      if (isStartable(again)) await again.start()
      expect(again.size()).toBeLessThanOrEqual(1)
    })
  })
}
