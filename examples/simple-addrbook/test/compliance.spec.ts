import suite from '@p2p/compliance-tests/addrbook'
import { describe, expect, it } from 'vitest'
import { simpleAddrBook } from '../simple-addrbook.js'

// The same suite @p2p/addrbook runs: passing it is what "replaceable" means.
suite({
  async setup(args) {
    return simpleAddrBook(args === undefined ? {} : { filePath: args.filePath })()
  },
  async teardown() {}
})

describe('simple book specifics', () => {
  it('keeps at most `capacity` addresses, dropping the least recently used', () => {
    const book = simpleAddrBook({ capacity: 3 })()
    const a = (n: number) => ({ id: n.toString(16).padStart(40, '0') as never, ip: `20.0.0.${n}`, port: 26656 })
    for (let i = 1; i <= 3; i++) book.addAddress(a(i), a(9))
    book.markAttempt(a(1)) // 1 is now the most recently used
    book.addAddress(a(4), a(9))
    expect(book.list().map((x) => x.ip)).toEqual(['20.0.0.3', '20.0.0.1', '20.0.0.4'])
  })
})
