import type { Logger } from '@p2p/types'
import type { BookState } from './book-state.js'
import { BUCKET_TYPE_NEW, BUCKET_TYPE_OLD } from './constants.js'
import type { KnownAddress } from './known-address.js'

/**
 * Go's `moveToOld`: `ka` leaves its new buckets for its old bucket. When that bucket is full its
 * least recently tried entry goes back to a new bucket to make room (Go intends this but drops
 * the entry instead, see the README).
 */
export function moveToOld(book: Pick<BookState, 'table' | 'newBucketFor' | 'oldBucketFor'>, ka: KnownAddress, now: () => number, log: Logger): void {
  const table = book.table
  table.removeFromAll(ka)
  ka.bucketType = BUCKET_TYPE_OLD
  const index = book.oldBucketFor(ka.addr)
  if (table.addToOld(ka, index)) return
  const oldest = table.pickOldest(BUCKET_TYPE_OLD, index)
  if (oldest !== undefined) {
    table.removeFromBucket(oldest, BUCKET_TYPE_OLD, index)
    oldest.bucketType = BUCKET_TYPE_NEW
    table.addToNew(oldest, book.newBucketFor(oldest.addr, oldest.src), now())
  }
  if (!table.addToOld(ka, index)) log.error('could not add %s to old bucket %d', ka.key, index)
}
