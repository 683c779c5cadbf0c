import type { NodeID } from '@p2p/types'
import {
  BUCKET_TYPE_NEW,
  BUCKET_TYPE_OLD,
  type BucketType,
  NEW_BUCKET_COUNT,
  NEW_BUCKET_SIZE,
  OLD_BUCKET_COUNT,
  OLD_BUCKET_SIZE
} from './constants.js'
import { IndexedSet } from './indexed-set.js'
import type { KnownAddress } from './known-address.js'

/** Why `addToNew` did not place an entry. */
export type PlaceResult = 'added' | 'present' | 'old-entry'

/**
 * One bucket: its entries in insertion order. A plain array (a bucket holds at most 65): an
 * entry's own bucket list says whether it is in a bucket, so the array is only scanned to remove.
 */
export type Bucket = KnownAddress[]

/**
 * The buckets and the ID lookup, kept consistent with each other: an entry is in the lookup
 * exactly while it is in at least one bucket, and counted once as new or old. No policy here
 * beyond Go's bucket rules (capacity, expiry of a full new bucket).
 */
export class BucketTable {
  readonly lookup = new Map<NodeID, KnownAddress>()
  readonly newBuckets: Bucket[]
  readonly oldBuckets: Bucket[]
  /** The entries of each type, for uniform sampling. */
  readonly newEntries = new IndexedSet<KnownAddress>()
  readonly oldEntries = new IndexedSet<KnownAddress>()

  constructor() {
    this.newBuckets = Array.from({ length: NEW_BUCKET_COUNT }, (): Bucket => [])
    this.oldBuckets = Array.from({ length: OLD_BUCKET_COUNT }, (): Bucket => [])
  }

  get size(): number {
    return this.lookup.size
  }

  get nNew(): number {
    return this.newEntries.size
  }

  get nOld(): number {
    return this.oldEntries.size
  }

  bucket(type: BucketType, index: number): Bucket {
    return (type === BUCKET_TYPE_NEW ? this.newBuckets : this.oldBuckets)[index]!
  }

  /**
   * Go's `addToNewBucket`. A bucket holding more than 64 entries first expires one (the first
   * bad entry, else the least recently attempted), so a bucket peaks at 65 as in Go.
   */
  addToNew(ka: KnownAddress, index: number, now: number): PlaceResult {
    if (ka.isOld()) return 'old-entry'
    const bucket = this.newBuckets[index]!
    if (ka.buckets.includes(index)) return 'present'
    if (bucket.length > NEW_BUCKET_SIZE) this.expireNew(index, now)
    bucket.push(ka)
    if (ka.addBucketRef(index) === 1) this.newEntries.add(ka)
    this.lookup.set(ka.id, ka)
    return 'added'
  }

  /** Go's `addToOldBucket`: false when the bucket is full (more than 64) or `ka` is not a lone old entry. */
  addToOld(ka: KnownAddress, index: number): boolean {
    if (!ka.isOld() || ka.buckets.length !== 0) return false
    const bucket = this.oldBuckets[index]!
    if (bucket.length > OLD_BUCKET_SIZE) return false
    bucket.push(ka)
    if (ka.addBucketRef(index) === 1) this.oldEntries.add(ka)
    this.lookup.set(ka.id, ka)
    return true
  }

  /** Removes `ka` from one bucket; it leaves the book with its last bucket. */
  removeFromBucket(ka: KnownAddress, type: BucketType, index: number): void {
    if (ka.bucketType !== type) return
    const n = ka.removeBucketRef(index)
    if (n < 0) return
    drop(this.bucket(type, index), ka)
    if (n === 0) this.forget(ka)
  }

  /** Removes `ka` from every bucket and from the book. */
  removeFromAll(ka: KnownAddress): void {
    for (const index of ka.buckets) drop(this.bucket(ka.bucketType, index), ka)
    ka.clearBuckets()
    this.forget(ka)
  }

  /** The entry of a bucket with the oldest last attempt (first such in insertion order). */
  pickOldest(type: BucketType, index: number): KnownAddress | undefined {
    let oldest: KnownAddress | undefined
    for (const ka of this.bucket(type, index)) {
      if (oldest === undefined || ka.lastAttempt < oldest.lastAttempt) oldest = ka
    }
    return oldest
  }

  /** Makes room in a new bucket: drops its first bad entry, or else its oldest. */
  expireNew(index: number, now: number): void {
    let oldest: KnownAddress | undefined
    for (const ka of this.newBuckets[index]!) {
      if (ka.isBad(now)) {
        oldest = ka
        break
      }
      if (oldest === undefined || ka.lastAttempt < oldest.lastAttempt) oldest = ka
    }
    if (oldest !== undefined) this.removeFromBucket(oldest, BUCKET_TYPE_NEW, index)
  }

  clear(): void {
    for (const b of this.newBuckets) b.length = 0
    for (const b of this.oldBuckets) b.length = 0
    this.lookup.clear()
    this.newEntries.clear()
    this.oldEntries.clear()
  }

  private forget(ka: KnownAddress): void {
    if (this.lookup.get(ka.id) === ka) this.lookup.delete(ka.id)
    if (ka.bucketType === BUCKET_TYPE_OLD) this.oldEntries.delete(ka)
    else this.newEntries.delete(ka)
  }
}

/** Removes `ka` from `bucket`, keeping the order of the others. */
function drop(bucket: Bucket, ka: KnownAddress): void {
  const at = bucket.indexOf(ka)
  if (at >= 0) bucket.splice(at, 1)
}
