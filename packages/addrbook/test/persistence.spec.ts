import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '@p2p/types'
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { readBounded } from '../src/book-file.js'
import { decodeAddrBook, MAX_FILE_ENTRIES } from '../src/file.js'
import { addrBook } from '../src/index.js'
import { restoreBook } from '../src/restore.js'
import { assertConsistent, hashKey, makeBook, randomAddresses, seeded, tempBookFile, tempDir, vectors } from './helpers.js'

const goFile = vectors.saved_book.addrbook_json

function entry(over: Record<string, unknown> = {}, i = 1): Record<string, unknown> {
  return {
    addr: { id: i.toString(16).padStart(40, '0'), ip: `1.2.${i >> 8}.${i & 255}`, port: 26656 },
    src: { id: 'ff'.repeat(20), ip: '8.8.8.8', port: 26656 },
    buckets: [5],
    attempts: 0,
    bucket_type: 1,
    last_attempt: '2024-01-02T03:04:05.123456789Z',
    last_success: '0001-01-01T00:00:00Z',
    last_ban_time: '0001-01-01T00:00:00Z',
    ...over
  }
}

function capturingLogger(): { logger: { forComponent: () => Logger }; errors: string[] } {
  const errors: string[] = []
  const log = Object.assign(() => {}, {
    error: (fmt: string, ...args: unknown[]) => errors.push([fmt, ...args].join(' ')),
    trace: () => {},
    enabled: true
  })
  return { logger: { forComponent: () => log }, errors }
}

describe('persistence', () => {
  const bookFile = tempBookFile()
  beforeEach(() => bookFile.create())
  afterEach(() => bookFile.remove())

  it('saves atomically: no temporary file is left, the file is complete JSON', async () => {
    const book = makeBook({ filePath: bookFile.path })
    for (const a of randomAddresses(50, seeded(1))) book.addAddress(a, a)
    await Promise.all([book.save(), book.save(), book.save()])
    expect(readdirSync(bookFile.dir)).toEqual(['addrbook.json'])
    expect((JSON.parse(readFileSync(bookFile.path, 'utf8')) as { addrs: unknown[] }).addrs).toHaveLength(50)
    expect(statSync(bookFile.path).mode & 0o777).toBe(0o644)
  })

  it('a book without a file does not persist; an aborted save rejects with AbortError', async () => {
    const book = makeBook()
    await book.save()
    expect(readdirSync(bookFile.dir)).toEqual([])
    const withFile = makeBook({ filePath: bookFile.path })
    await expect(withFile.save({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    expect(existsSync(bookFile.path)).toBe(false)
  })

  it('a missing file starts an empty book; start removes temporary files a killed writer left', async () => {
    writeFileSync(join(bookFile.dir, '.addrbook.json.tmp-123-abcdef'), '{"trunc')
    writeFileSync(join(bookFile.dir, 'unrelated.tmp'), 'x')
    const book = makeBook({ filePath: bookFile.path })
    await book.start()
    expect(book.size()).toBe(0)
    expect(readdirSync(bookFile.dir).sort()).toEqual(['unrelated.tmp'])
    await book.stop()
    expect(existsSync(bookFile.path)).toBe(true) // stop saves
  })

  it('saves periodically while the book changes, and at stop', async () => {
    const book = makeBook({ filePath: bookFile.path, saveIntervalMs: 20 })
    await book.start()
    const [a, b] = randomAddresses(2, seeded(2))
    book.addAddress(a!, a!)
    await vi.waitFor(() => expect(readFileSync(bookFile.path, 'utf8')).toContain(a!.id), { timeout: 2000 })
    book.addAddress(b!, b!)
    await book.stop()
    expect(readFileSync(bookFile.path, 'utf8')).toContain(b!.id)
  })

  it('leaves no timer or file handle behind after stop', async () => {
    const count = (): Map<string, number> => {
      const m = new Map<string, number>()
      for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1)
      return m
    }
    const before = count()
    // fake only the timers, so the book's (unref'd, hence otherwise invisible) timers are counted
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const book = makeBook({ filePath: bookFile.path, saveIntervalMs: 10 })
      await book.start()
      const [a] = randomAddresses(1, seeded(3))
      book.addAddress(a!, a!)
      book.markBad(a!, 60_000)
      expect(vi.getTimerCount()).toBe(2) // the periodic save and the ban
      await vi.advanceTimersByTimeAsync(10)
      await book.stop()
      expect(vi.getTimerCount()).toBe(0)
      await book.stop() // idempotent
    } finally {
      vi.useRealTimers()
    }
    for (const [kind, n] of count()) expect(n, kind).toBeLessThanOrEqual(before.get(kind) ?? 0)
  })

  describe('a corrupt file', () => {
    it.each([
      ['not JSON', 'this is not json'],
      ['truncated', goFile.slice(0, Math.floor(goFile.length / 2))],
      ['empty', ''],
      ['a JSON list', '[1,2,3]'],
      ['addrs not a list', '{"key":"0123456789abcdef01234567","addrs":{}}'],
      ['a key that is not a string', '{"key":5,"addrs":[]}']
    ])('%s: start rejects with CorruptFileError and the file is moved aside, not overwritten', async (_, text) => {
      writeFileSync(bookFile.path, text)
      const book = makeBook({ filePath: bookFile.path })
      const err = await book.start().then(
        () => undefined,
        (e: unknown) => e
      )
      expect(err).toMatchObject({ name: 'CorruptFileError', code: 'CORRUPT_FILE', path: bookFile.path })
      const movedTo = (err as { movedTo: string }).movedTo
      expect(movedTo).toMatch(/addrbook\.json\.corrupt-/)
      expect(readFileSync(movedTo, 'utf8')).toBe(text)
      expect(existsSync(bookFile.path)).toBe(false)
      // the next start begins empty; saves never touch the corrupt copy
      await book.start()
      const [a] = randomAddresses(1, seeded(4))
      book.addAddress(a!, a!)
      await book.stop()
      expect(readFileSync(movedTo, 'utf8')).toBe(text)
    })

    it('every truncation of a Go file is refused, never half-loaded', async () => {
      for (const cut of [1, 10, 100, 500, goFile.length - 2, goFile.length - 1]) {
        writeFileSync(bookFile.path, goFile.slice(0, cut))
        await expect(makeBook({ filePath: bookFile.path }).start(), String(cut)).rejects.toMatchObject({ name: 'CorruptFileError' })
      }
    })

    it("with corruptFile 'start-empty' the book logs, keeps the file aside and starts empty", async () => {
      writeFileSync(bookFile.path, '{"key": "abc", "addrs": [')
      const { logger, errors } = capturingLogger()
      const book = addrBook({ filePath: bookFile.path, corruptFile: 'start-empty' })({ logger })
      await book.start()
      expect(book.size()).toBe(0)
      expect(errors.join('\n')).toMatch(/corrupt-/)
      expect(readdirSync(bookFile.dir).some((n) => n.startsWith('addrbook.json.corrupt-'))).toBe(true)
      await book.stop()
    })

    it('a file listing more entries than a book can hold is corrupt, found before parsing: one log line, moved aside (issue 10 hole 3)', async () => {
      // Junk entries (not objects), as in the 50 MB file of the issue, just past the capacity.
      const text = `{"key":"0123456789abcdef01234567","addrs":[${'1,'.repeat(MAX_FILE_ENTRIES)}1]}`
      writeFileSync(bookFile.path, text)
      const { logger, errors } = capturingLogger()
      const book = addrBook({ filePath: bookFile.path, corruptFile: 'start-empty' })({ logger })
      await book.start()
      expect(book.size()).toBe(0)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(new RegExp(`more than ${MAX_FILE_ENTRIES} entries.*corrupt-`))
      expect(existsSync(bookFile.path)).toBe(false)
      await book.stop()
      // The next start is not stuck on the same file.
      const again = makeBook({ filePath: bookFile.path })
      await again.start()
      await again.stop()
      // At the capacity exactly, the same junk is read and dropped, with one summary line.
      writeFileSync(bookFile.path, `{"key":"0123456789abcdef01234567","addrs":[${'1,'.repeat(MAX_FILE_ENTRIES - 1)}1]}`)
      const full = capturingLogger()
      const atCap = addrBook({ filePath: bookFile.path })({ logger: full.logger })
      await atCap.start()
      expect(full.errors).toHaveLength(1)
      expect(full.errors[0]).toMatch(/dropped %d entries/)
      await atCap.stop()
    })

    it('a text with commas enough for a far longer list is refused by the pre-parse scan', () => {
      const junk = `{"key":"k","addrs":[${'1,'.repeat(399)}1]}`
      expect(() => decodeAddrBook(junk, 'p', 10)).toThrowError(/more than 10 entries/)
      // Commas inside entries (a legitimate book) do not count as entries.
      const fine = JSON.stringify({ key: 'k', addrs: Array.from({ length: 10 }, (_, i) => entry({ buckets: Array(40).fill(5) }, i + 1)) })
      expect(decodeAddrBook(fine, 'p', 10).records).toHaveLength(10)
    })

    it.each([
      ['a misspelt "addrs"', (addrs: unknown[]) => ({ key: '0123456789abcdef01234567', adrs: addrs })],
      ['an extra top-level field', (addrs: unknown[]) => ({ key: '0123456789abcdef01234567', addrs, version: 2 })],
      ['no "addrs" at all', () => ({ key: '0123456789abcdef01234567' })]
    ])('a file of an unknown shape (%s) is corrupt: typed error, moved aside, never overwritten (issue 10 hole 4)', async (_, make) => {
      const text = JSON.stringify(make(Array.from({ length: 2000 }, (_, i) => entry({}, i + 1))))
      writeFileSync(bookFile.path, text)
      const book = makeBook({ filePath: bookFile.path })
      const err = (await book.start().then(() => undefined, (e: unknown) => e)) as { name: string; movedTo: string }
      expect(err).toMatchObject({ name: 'CorruptFileError', path: bookFile.path })
      expect(existsSync(bookFile.path)).toBe(false)
      await book.start()
      await book.stop()
      expect(readFileSync(err.movedTo, 'utf8')).toBe(text)
    })

    it('a file over the size limit is treated as corrupt', async () => {
      writeFileSync(bookFile.path, goFile)
      await expect(makeBook({ filePath: bookFile.path, maxFileBytes: 100 }).start()).rejects.toMatchObject({
        name: 'CorruptFileError',
        message: expect.stringContaining('more than the limit')
      })
    })
  })

  it('drops entries that would make Go panic or miscount, keeps the rest', async () => {
    const file = {
      key: '0123456789abcdef01234567',
      addrs: [
        entry({}, 1),
        entry({ buckets: [256] }, 2), // out of range
        entry({ bucket_type: 3 }, 3), // unknown type
        entry({ addr: { id: '00'.repeat(20), ip: 'not-an-ip', port: 1 } }, 4),
        entry({ addr: { id: '00'.repeat(20), ip: '0.0.0.0', port: 1 } }, 5), // invalid address
        entry({ last_attempt: 'yesterday' }, 6),
        entry({ attempts: -1 }, 7),
        entry({ src: { id: 'x', ip: '1.1.1.1', port: 70000 } }, 8),
        entry({}, 1), // duplicate ID
        entry({ buckets: [] }, 9), // no bucket: placed by hash
        entry({ buckets: null, bucket_type: 2 }, 10), // old, no bucket: placed by hash
        entry({ buckets: [1, 2, 3, 4, 5, 6] }, 11), // more than 4 new buckets: first 4
        entry({ buckets: [3, 4], bucket_type: 2 }, 12), // old in 2 buckets: the first
        'garbage',
        entry({ extra_field: true, addr: { id: 'ab'.repeat(20), ip: '::ffff:7.7.7.7', port: 1 } }, 13)
      ]
    }
    writeFileSync(bookFile.path, JSON.stringify(file))
    const { logger, errors } = capturingLogger()
    const book = addrBook({ filePath: bookFile.path, hashKey })({ logger })
    await book.start()
    const ids = book.knownAddresses().map((k) => k.addr.id)
    expect(ids).toHaveLength(6)
    // One summary line, not one per entry.
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/dropped %d entries .* 9 /)
    const byId = new Map(book.knownAddresses().map((k) => [k.addr.ip, k]))
    expect(byId.get('1.2.0.9')!.buckets).toEqual([book.newBucketFor(byId.get('1.2.0.9')!.addr, byId.get('1.2.0.9')!.src)])
    expect(byId.get('1.2.0.10')!.buckets).toEqual([book.oldBucketFor(byId.get('1.2.0.10')!.addr)])
    expect(byId.get('1.2.0.11')!.buckets).toEqual([1, 2, 3, 4])
    expect(byId.get('1.2.0.12')!.buckets).toEqual([3])
    expect(byId.has('7.7.7.7')).toBe(true) // canonical IPv4 text
    assertConsistent(book)
    await book.stop()
  })

  it('never lets a file push a bucket past 65 entries', async () => {
    writeFileSync(bookFile.path, JSON.stringify({ key: 'k', addrs: Array.from({ length: 80 }, (_, i) => entry({ buckets: [7] }, i + 1)) }))
    const book = makeBook({ filePath: bookFile.path })
    await book.start()
    expect(book.table.newBuckets[7]!.length).toBe(65)
    expect(book.size()).toBe(65)
    assertConsistent(book)
    await book.stop()
  })

  it('the decoder only ever throws CorruptFileError, and what it accepts restores consistently (fast-check)', () => {
    const mutate = fc.tuple(fc.nat(goFile.length - 1), fc.string({ maxLength: 4 }), fc.nat(6))
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.array(mutate, { minLength: 1, maxLength: 4 }).map((muts) =>
            muts.reduce((s, [at, ins, del]) => s.slice(0, at) + ins + s.slice(at + del), goFile)
          ),
          fc.array(fc.anything()).map((addrs) => JSON.stringify({ key: 'k', addrs }))
        ),
        (text) => {
          let decoded: ReturnType<typeof decodeAddrBook>
          try {
            decoded = decodeAddrBook(text, 'p')
          } catch (err) {
            expect((err as Error).name).toBe('CorruptFileError')
            return
          }
          const book = makeBook({ hashKey })
          restoreBook(book, decoded, { hashKey, now: () => 0 })
          assertConsistent(book)
        }
      ),
      { numRuns: 400 }
    )
  })
})

describe('reading the file', () => {
  it('reads a file that grew after stat whole, and refuses one that grew past the limit', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const p = join(dir, 'f')
      const text = 'x'.repeat(3_000_000)
      writeFileSync(p, text)
      // stat said fewer bytes than there are (the file grew in between)
      expect((await readBounded(p, 10_000_000, 1000)).toString()).toBe(text)
      expect((await readBounded(p, 10_000_000, 3_000_000)).toString()).toBe(text)
      expect((await readBounded(p, 10_000_000, 5_000_000)).toString()).toBe(text)
      await expect(readBounded(p, 2_000_000, 1000)).rejects.toMatchObject({ name: 'CorruptFileError' })
      writeFileSync(p, '')
      expect((await readBounded(p, 10, 0)).length).toBe(0)
    } finally {
      cleanup()
    }
  })
})

describe('start', () => {
  it('concurrent starts load the file once', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const path = join(dir, 'addrbook.json')
      writeFileSync(path, vectors.saved_book.addrbook_json)
      const { logger, errors } = capturingLogger()
      const book = addrBook({ filePath: path, strict: false })({ logger })
      await Promise.all([book.start(), book.start(), book.start()])
      expect(book.size()).toBe(vectors.saved_book.final_state.length)
      expect(errors).toEqual([])
      await book.stop()
    } finally {
      cleanup()
    }
  })
})
