import { netAddressString } from '@p2p/types'
import type { BookState } from './book-state.js'
import { BucketHasher } from './bucket-hash.js'
import { BUCKET_TYPE_NEW, NEW_BUCKET_SIZE, OLD_BUCKET_SIZE } from './constants.js'
import type { DecodedAddrBook } from './file.js'
import { KnownAddress } from './known-address.js'

/**
 * Puts the entries of a decoded addrbook.json into the book, each in the buckets the file names
 * (Go does not recompute them: the hash key that chose them is gone). Unlike Go, which trusts the
 * file, an entry never takes a bucket past Go's peak of 65, a duplicate ID is skipped, and an
 * entry that names no usable bucket is placed by the bucket hash instead of lingering outside
 * every bucket. Entries already in the book (added before start) win over the file's.
 */
export function restoreBook(
  book: BookState,
  decoded: DecodedAddrBook,
  options: { hashKey: Uint8Array; now: () => number }
): { restored: number; dropped: DecodedAddrBook['dropped'] } {
  if (decoded.key !== undefined && decoded.key !== book.key) {
    book.hasher = new BucketHasher(decoded.key, options.hashKey)
  }
  const table = book.table
  const dropped = [...decoded.dropped]
  let restored = 0
  for (const r of decoded.records) {
    if (table.lookup.has(r.addr.id)) {
      dropped.push({ index: r.index, reason: `duplicate ID ${r.addr.id}` })
      continue
    }
    const ka = new KnownAddress(r.addr, r.src, netAddressString(r.addr), r.lastAttempt)
    ka.bucketType = r.bucketType
    ka.attempts = r.attempts
    ka.lastSuccess = r.lastSuccess
    ka.lastBanTime = r.lastBanTime
    const isNew = r.bucketType === BUCKET_TYPE_NEW
    const capacity = (isNew ? NEW_BUCKET_SIZE : OLD_BUCKET_SIZE) + 1
    const wanted = r.buckets.length > 0 ? r.buckets : [isNew ? book.newBucketFor(r.addr, r.src) : book.oldBucketFor(r.addr)]
    for (const b of wanted) {
      const bucket = table.bucket(r.bucketType, b)
      if (bucket.size >= capacity || bucket.has(ka.key)) continue
      bucket.set(ka.key, ka)
      ka.buckets.push(b)
    }
    if (ka.buckets.length === 0) {
      dropped.push({ index: r.index, reason: 'its buckets are full' })
      continue
    }
    table.lookup.set(ka.id, ka)
    if (isNew) table.newEntries.add(ka)
    else table.oldEntries.add(ka)
    restored++
  }
  return { restored, dropped }
}
