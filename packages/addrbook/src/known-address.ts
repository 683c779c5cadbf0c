import { type NetAddress, type NodeID, netAddressString } from '@p2p/types'
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

const NO_BUCKETS: readonly number[] = []
/** One shared one-element list per bucket index: most entries sit in one bucket. */
const ONE_BUCKET: ReadonlyArray<readonly number[]> = Array.from({ length: 256 }, (_, i) => [i])

/** The bucket list `[b]`, shared (bucket lists are never changed in place). */
export function oneBucket(b: number): readonly number[] {
  return ONE_BUCKET[b] ?? [b]
}

/** A read-only view of one entry, for inspection and tests. */
export interface KnownAddressInfo {
  readonly addr: NetAddress
  readonly src: NetAddress
  readonly bucketType: 'new' | 'old'
  readonly buckets: readonly number[]
  readonly attempts: number
  readonly lastAttempt: number
  readonly lastSuccess: number
  readonly lastBanTime: number
}

/**
 * One entry of the book (Go `knownAddress`); times are epoch milliseconds. Kept small: a full
 * book holds 20,000 of them. No per-entry key string (buckets hold the entries themselves), the
 * source address is shared between the entries it announced, and bucket lists are replaced,
 * never grown in place, so a one-bucket entry shares a constant list.
 */
export class KnownAddress {
  /** Indices of the buckets holding this entry: up to 4 new buckets, or exactly 1 old one. Never mutated: replaced. */
  buckets: readonly number[] = NO_BUCKETS
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
    now: number
  ) {
    this.lastAttempt = now
  }

  get id(): NodeID {
    return this.addr.id
  }

  /** `id@ip:port` (Go `Addr.String()`), made on demand: for logs and tests. */
  get key(): string {
    return netAddressString(this.addr)
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
    const old = this.buckets
    if (old.includes(bucket)) return -1
    // exact-size literals: a spread would leave spare capacity in each of thousands of lists
    const n = old.length
    if (n === 0) this.buckets = oneBucket(bucket)
    else if (n === 1) this.buckets = [old[0]!, bucket]
    else if (n === 2) this.buckets = [old[0]!, old[1]!, bucket]
    else if (n === 3) this.buckets = [old[0]!, old[1]!, old[2]!, bucket]
    else this.buckets = [...old, bucket]
    return this.buckets.length
  }

  /** Removes a bucket reference; returns the new count, or -1 when it was not there. */
  removeBucketRef(bucket: number): number {
    const old = this.buckets
    if (!old.includes(bucket)) return -1
    const rest = old.filter((b) => b !== bucket)
    if (rest.length === 0) this.buckets = NO_BUCKETS
    else if (rest.length === 1) this.buckets = oneBucket(rest[0]!)
    else if (rest.length === 2) this.buckets = [rest[0]!, rest[1]!]
    else if (rest.length === 3) this.buckets = [rest[0]!, rest[1]!, rest[2]!]
    else this.buckets = rest
    return rest.length
  }

  /** In no bucket. */
  clearBuckets(): void {
    this.buckets = NO_BUCKETS
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

/** The {@link KnownAddressInfo} of `ka`: a snapshot, with a copy of its bucket list. */
export function knownAddressInfo(ka: KnownAddress): KnownAddressInfo {
  return {
    addr: ka.addr,
    src: ka.src,
    bucketType: ka.bucketType === BUCKET_TYPE_OLD ? 'old' : 'new',
    buckets: [...ka.buckets],
    attempts: ka.attempts,
    lastAttempt: ka.lastAttempt,
    lastSuccess: ka.lastSuccess,
    lastBanTime: ka.lastBanTime
  }
}
