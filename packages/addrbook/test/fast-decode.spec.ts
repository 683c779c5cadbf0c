import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fastDecodeAddrBook } from '../src/fast-decode.js'
import { type DecodedAddrBook, decodeAddrBook, decodeAddrBookJson, encodeAddrBook, MAX_FILE_ENTRIES } from '../src/file.js'
import type { KnownAddress } from '../src/known-address.js'
import { makeBook, randomAddresses, seeded, vectors } from './helpers.js'

const goFile = vectors.saved_book.addrbook_json

/** What a record says, as plain data. */
function plain(ka: KnownAddress): object {
  return {
    addr: { ...ka.addr },
    src: { ...ka.src },
    buckets: [...ka.buckets],
    attempts: ka.attempts,
    bucketType: ka.bucketType,
    lastAttempt: ka.lastAttempt,
    lastSuccess: ka.lastSuccess,
    lastBanTime: ka.lastBanTime
  }
}

function fast(text: string): { key: string | undefined; records: object[] } | undefined {
  const decoded = fastDecodeAddrBook(Buffer.from(text, 'utf8'), MAX_FILE_ENTRIES)
  return decoded === undefined ? undefined : { key: decoded.key, records: decoded.entries.map(plain) }
}

/** The general decoder's answer, or the error name it throws. */
function general(text: string): { key: string | undefined; records: object[]; dropped: DecodedAddrBook['dropped'] } | string {
  try {
    const d = decodeAddrBookJson(text, 'p')
    return { key: d.key, records: d.records.map(plain), dropped: d.dropped }
  } catch (err) {
    return (err as Error).name
  }
}

function fullBookText(n: number): string {
  const random = seeded(7)
  const book = makeBook()
  const sources = randomAddresses(50, random)
  randomAddresses(n, random).forEach((a, i) => {
    book.addAddress(a, sources[i % sources.length]!)
    if (i % 8 === 0) book.markGood(a)
  })
  return encodeAddrBook(book.key, book.table.lookup.values())
}

describe('the fast path of loading addrbook.json', () => {
  it("reads Go's own file, exactly as the general decoder does", () => {
    const got = fast(goFile)
    expect(got).toBeDefined()
    const g = general(goFile) as Exclude<ReturnType<typeof general>, string>
    expect(g.dropped).toEqual([])
    expect(got!.records).toEqual(g.records)
    expect(got!.key).toBe(g.key)
  })

  it('reads a book we wrote, exactly as the general decoder does, compact or indented', () => {
    const text = fullBookText(2000)
    for (const t of [text, JSON.stringify(JSON.parse(text))]) {
      const got = fast(t)
      const g = general(t) as Exclude<ReturnType<typeof general>, string>
      expect(got).toBeDefined()
      expect(got!.records).toHaveLength(g.records.length)
      expect(got!.records).toEqual(g.records)
      expect(got!.key).toBe(g.key)
    }
  })

  it('entries naming the same source share one source object (both decoders)', () => {
    const text = fullBookText(500)
    const decoders = [decodeAddrBook(text, 'p'), decodeAddrBookJson(text, 'p')]
    for (const d of decoders) {
      const bySrc = new Map<string, Set<object>>()
      for (const r of d.records) {
        const k = `${r.src.id}@${r.src.ip}:${r.src.port}`
        if (!bySrc.has(k)) bySrc.set(k, new Set())
        bySrc.get(k)!.add(r.src)
      }
      expect(bySrc.size).toBeLessThanOrEqual(50)
      for (const objects of bySrc.values()) expect(objects.size).toBe(1)
    }
  })

  it.each([
    ['an escape in a string (here a valid one: \\u002e is the dot)', (e: Record<string, unknown>) => ({ ...e, last_attempt: '2024-01-02T03:04:05\\u002e1Z' })],
    ['an unknown field', (e: Record<string, unknown>) => ({ ...e, extra: 1 })],
    ['a missing field', (e: Record<string, unknown>) => ({ ...e, attempts: undefined })],
    ['a null time', (e: Record<string, unknown>) => ({ ...e, last_success: null })],
    ['an invalid address', (e: Record<string, unknown>) => ({ ...e, addr: { id: 'zz', ip: '1.2.3.4', port: 1 } })],
    ['a bucket out of range', (e: Record<string, unknown>) => ({ ...e, buckets: [999] })],
    ['a non-integer', (e: Record<string, unknown>) => ({ ...e, attempts: 1.5 })]
  ])('gives %s to the general decoder, which decides', (_, change) => {
    const book = JSON.parse(goFile) as { key: string; addrs: Array<Record<string, unknown>> }
    book.addrs[0] = change(book.addrs[0]!)
    const text = JSON.stringify(book, null, '\t').replace('\\\\u002e', '\\u002e')
    expect(fast(text)).toBeUndefined()
    const viaBoth = decodeAddrBook(text, 'p')
    const g = decodeAddrBookJson(text, 'p')
    expect(viaBoth.records.map(plain)).toEqual(g.records.map(plain))
    expect(viaBoth.dropped).toEqual(g.dropped)
  })

  it('a number written as 1e1 or 10.0 goes to the general decoder (JSON.parse reads it as 10)', () => {
    const text = goFile.replace(/"attempts": (\d+)/, '"attempts": 1e1')
    expect(fast(text)).toBeUndefined()
    expect((general(text) as { dropped: unknown[] }).dropped).toEqual([])
  })

  it('stops past maxEntries without building more', () => {
    const text = fullBookText(300)
    const n = (general(text) as { records: unknown[] }).records.length
    expect(fastDecodeAddrBook(Buffer.from(text), n)).toBeDefined()
    expect(fastDecodeAddrBook(Buffer.from(text), n - 1)).toBeUndefined()
  })

  it('whatever it accepts, the general decoder reads the same and drops nothing (fast-check, mutated files)', () => {
    const base = fullBookText(40)
    const variants = [goFile, base, JSON.stringify(JSON.parse(base))]
    const mutate = fc.tuple(fc.nat(), fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('0', '1', '"', ',', ':', ' ', '{', '}', '[', ']', 'e', '.', '-', 'A', 'null')), fc.nat(6))
    let accepted = 0
    fc.assert(
      fc.property(fc.constantFrom(...variants), fc.array(mutate, { minLength: 1, maxLength: 3 }), (text, muts) => {
        const mutated = muts.reduce((s, [at, ins, del]) => {
          const i = at % (s.length + 1)
          return s.slice(0, i) + ins + s.slice(i + del)
        }, text)
        const got = fast(mutated)
        if (got === undefined) return
        accepted++
        const g = general(mutated)
        expect(typeof g).toBe('object')
        const gg = g as Exclude<ReturnType<typeof general>, string>
        expect(gg.dropped).toEqual([])
        expect(got.key).toBe(gg.key)
        expect(got.records).toEqual(gg.records)
      }),
      { numRuns: 600 }
    )
    // many mutations land in places that change a value without breaking the shape
    expect(accepted).toBeGreaterThan(20)
  })
})
