import type { NetAddress, NodeID } from '@p2p/types'
import {
  BUCKET_TYPE_NEW,
  BUCKET_TYPE_OLD,
  type BucketType,
  DAY_MS,
  MAX_FAILURES,
  MIN_BAD_DAYS,
  NUM_MISSING_DAYS,
  NUM_RETRIES
} from './constants.js'
import { GO_ZERO_TIME_MS } from './go-time.js'

/** One entry of the book (Go `knownAddress`); times are epoch milliseconds. */
export class KnownAddress {
  /** `id@ip:port`, the key of this entry inside a bucket (Go `Addr.String()`). */
  readonly key: string
  /** Indices of the buckets holding this entry: up to 4 new buckets, or exactly 1 old one. */
  buckets: number[] = []
  bucketType: BucketType = BUCKET_TYPE_NEW
  attempts = 0
  lastAttempt: number
  lastSuccess = GO_ZERO_TIME_MS
  lastBanTime = GO_ZERO_TIME_MS
  /** @internal Position in the book's list of new or old entries. */
  slot = -1

  constructor(
    readonly addr: NetAddress,
    readonly src: NetAddress,
    key: string,
    now: number
  ) {
    this.key = key
    this.lastAttempt = now
  }

  get id(): NodeID {
    return this.addr.id
  }

  isOld(): boolean {
    return this.bucketType === BUCKET_TYPE_OLD
  }

  isNew(): boolean {
    return this.bucketType === BUCKET_TYPE_NEW
  }

  markAttempt(now: number): void {
    this.lastAttempt = now
    this.attempts++
  }

  markGood(now: number): void {
    this.lastAttempt = now
    this.lastSuccess = now
    this.attempts = 0
  }

  /** Extends the ban to `now + banMs`; never shortens one already running. */
  ban(now: number, banMs: number): void {
    if (this.lastBanTime < now + banMs) this.lastBanTime = now + banMs
  }

  isBanned(now: number): boolean {
    return this.lastBanTime > now
  }

  /** Adds a bucket reference; returns the new count, or -1 when it was already there. */
  addBucketRef(bucket: number): number {
    if (this.buckets.includes(bucket)) return -1
    this.buckets.push(bucket)
    return this.buckets.length
  }

  /** Removes a bucket reference; returns the new count, or -1 when it was not there. */
  removeBucketRef(bucket: number): number {
    const at = this.buckets.indexOf(bucket)
    if (at === -1) return -1
    this.buckets.splice(at, 1)
    return this.buckets.length
  }

  /**
   * Go's `isBad`: whether a full new bucket may throw this entry away first. Old entries never
   * are; nor is one tried within the last minute. Go leaves "claims to be from the future" as a
   * TODO, and so do we, to expire the same entries.
   */
  isBad(now: number): boolean {
    if (this.isOld()) return false
    if (this.lastAttempt > now - 60_000) return false
    if (this.lastAttempt < now - NUM_MISSING_DAYS * DAY_MS) return true
    if (this.lastSuccess === GO_ZERO_TIME_MS && this.attempts >= NUM_RETRIES) return true
    if (this.lastSuccess < now - MIN_BAD_DAYS * DAY_MS && this.attempts >= MAX_FAILURES) return true
    return false
  }
}
