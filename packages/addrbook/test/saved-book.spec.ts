import { readFileSync, writeFileSync } from 'node:fs'
import { netAddressString } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addrBook, type BucketedAddrBook } from '../src/index.js'
import { addr, hashKey, tempBookFile, vectors } from './helpers.js'

const saved = vectors.saved_book
/** Go writes nanoseconds; we keep milliseconds. Compare with the fraction of a second removed. */
const withoutFractions = (text: string): string => text.replace(/(T\d{2}:\d{2}:\d{2})(\.\d+)?Z/g, '$1Z')

function stateOf(book: BucketedAddrBook) {
  return new Map(book.knownAddresses().map((k) => [netAddressString(k.addr), k]))
}

describe("Go's saved addrbook.json (vectors saved_book)", () => {
  const bookFile = tempBookFile()
  beforeEach(() => bookFile.create())
  afterEach(() => bookFile.remove())

  it('loads every address into the bucket and state Go saved', async () => {
    writeFileSync(bookFile.path, saved.addrbook_json)
    // the Go book ran with addr_book_strict = false (it holds 10.0.0.5 and 127.0.0.1)
    const book = addrBook({ filePath: bookFile.path, hashKey, strict: false })({})
    await book.start()
    expect(book.key).toBe(vectors.addrbook_key)
    expect(book.size()).toBe(saved.final_state.length)
    const state = stateOf(book)
    for (const f of saved.final_state) {
      const k = state.get(f.addr)
      expect(k, f.addr).toBeDefined()
      expect(k!.bucketType).toBe(f.bucket_type)
      expect(k!.buckets).toEqual(f.buckets)
      expect(k!.attempts).toBe(f.attempts)
      expect(book.isGood(addr(f.addr))).toBe(f.bucket_type === 'old')
      const type = f.bucket_type === 'new' ? 1 : 2
      for (const b of f.buckets) expect(book.table.bucket(type, b).some((ka) => ka.key === f.addr)).toBe(true)
      // with Go's hash key the placement is reproduced, not only read back
      expect(book.newBucketFor(addr(f.addr), k!.src)).toBe(f.calc_new_bucket_with_its_src)
      expect(book.oldBucketFor(addr(f.addr))).toBe(f.calc_old_bucket)
    }
    expect(book.table.nOld).toBe(saved.final_state.filter((f) => f.bucket_type === 'old').length)
    expect(book.table.nNew).toBe(saved.final_state.filter((f) => f.bucket_type === 'new').length)
    await book.stop()
  })

  it('keeps the times Go wrote, to the millisecond', async () => {
    writeFileSync(bookFile.path, saved.addrbook_json)
    const book = addrBook({ filePath: bookFile.path, hashKey, strict: false })({})
    await book.start()
    const goEntries = (JSON.parse(saved.addrbook_json) as { addrs: Array<Record<string, string> & { addr: { id: string } }> }).addrs
    for (const g of goEntries) {
      const k = book.knownAddresses().find((x) => x.addr.id === g.addr.id)!
      const ms = (t: string): number => Date.parse(t.replace(/(\.\d{3})\d*Z$/, '$1Z'))
      expect(k.lastAttempt).toBe(ms(g.last_attempt!))
      expect(k.lastSuccess).toBe(ms(g.last_success!))
      expect(k.lastBanTime).toBe(ms(g.last_ban_time!))
    }
    await book.stop()
  })

  it('writes back the bytes Go wrote (field names, order, tabs, key, bucket types), up to sub-second digits', async () => {
    writeFileSync(bookFile.path, saved.addrbook_json)
    const book = addrBook({ filePath: bookFile.path, hashKey, strict: false, saveIntervalMs: 3_600_000 })({})
    await book.start()
    await book.save()
    const ours = readFileSync(bookFile.path, 'utf8')
    expect(withoutFractions(ours)).toBe(withoutFractions(saved.addrbook_json))
    await book.stop()
  })

  it('replaying the operations Go ran gives the same errors and the same buckets', () => {
    const book = addrBook({ key: vectors.addrbook_key, hashKey, strict: false })({})
    for (const op of saved.ops) {
      let error: string | null = null
      try {
        if (op.op === 'AddOurAddress') book.addOurAddress(addr(op.addr))
        else if (op.op === 'AddAddress') book.addAddress(addr(op.addr), addr(op.src!))
        else if (op.op === 'MarkGood') book.markGood({ id: op.addr, ip: '', port: 0 } as never) // Go's MarkGood takes the bare ID
        else book.markAttempt(addr(op.addr))
      } catch (err) {
        expect((err as Error).name).toBe('AddrBookError')
        error = (err as Error).message
      }
      expect(error, `${op.op} ${op.addr}`).toBe(op.error)
    }
    const state = stateOf(book)
    expect(state.size).toBe(saved.final_state.length)
    for (const f of saved.final_state) {
      const k = state.get(f.addr)!
      expect(k.bucketType).toBe(f.bucket_type)
      expect(k.buckets).toEqual(f.buckets)
      expect(k.attempts).toBe(f.attempts)
    }
  })

  it('a book it saves loads back identically', async () => {
    writeFileSync(bookFile.path, saved.addrbook_json)
    const first = addrBook({ filePath: bookFile.path, hashKey, strict: false })({})
    await first.start()
    await first.stop()
    const second = addrBook({ filePath: bookFile.path, strict: false })({})
    await second.start()
    expect(second.key).toBe(vectors.addrbook_key)
    expect(second.knownAddresses()).toEqual(first.knownAddresses())
    await second.stop()
  })
})
