import type { BookState } from './book-state.js'
import { BucketHasher } from './bucket-hash.js'
import { BUCKET_TYPE_NEW, NEW_BUCKET_SIZE, OLD_BUCKET_SIZE } from './constants.js'
import type { DecodedAddrBook } from './file.js'
import { oneBucket } from './known-address.js'

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
  const { records, positions } = decoded
  let restored = 0
  for (let i = 0; i < records.length; i++) {
    const ka = records[i]!
    const index = positions === undefined ? i : positions[i]!
    if (table.lookup.has(ka.id)) {
      dropped.push({ index, reason: `duplicate ID ${ka.id}` })
      continue
    }
    const isNew = ka.bucketType === BUCKET_TYPE_NEW
    const capacity = (isNew ? NEW_BUCKET_SIZE : OLD_BUCKET_SIZE) + 1
    // the record lists the buckets the file names (distinct); it keeps those it gets into
    const wanted = ka.buckets.length > 0 ? ka.buckets : oneBucket(isNew ? book.newBucketFor(ka.addr, ka.src) : book.oldBucketFor(ka.addr))
    let placed = 0
    for (const b of wanted) if (table.bucket(ka.bucketType, b).length < capacity) placed++
    if (placed === 0) {
      ka.clearBuckets()
      dropped.push({ index, reason: 'its buckets are full' })
      continue
    }
    const kept = placed === wanted.length ? wanted : wanted.filter((b) => table.bucket(ka.bucketType, b).length < capacity)
    for (const b of kept) table.bucket(ka.bucketType, b).push(ka)
    ka.buckets = kept.length === 1 ? oneBucket(kept[0]!) : kept
    table.lookup.set(ka.id, ka)
    if (isNew) table.newEntries.add(ka)
    else table.oldEntries.add(ka)
    restored++
  }
  return { restored, dropped }
}
