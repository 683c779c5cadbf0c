/** Go `p2p/pex/params.go` (v0.34.35): the geometry and thresholds of the address book. */

/** `needMoreAddrs()` is true while the book holds fewer addresses than this. */
export const NEED_ADDRESS_THRESHOLD = 1000
/** Go `dumpAddressInterval`: the periodic save. */
export const DUMP_ADDRESS_INTERVAL_MS = 2 * 60 * 1000

/**
 * Entries an old bucket holds (Go's `oldBucketSize`). A bucket already holding more refuses a
 * promotion, so one peaks at 65 as in Go.
 */
export const OLD_BUCKET_SIZE = 64
/** Old (tried, once successful) buckets in the book (Go's `oldBucketCount`). */
export const OLD_BUCKET_COUNT = 64
/**
 * Entries a new bucket holds (Go's `newBucketSize`). Adding to a bucket holding more first
 * expires one entry (a bad one, else the least recently attempted), so one peaks at 65 as in Go.
 */
export const NEW_BUCKET_SIZE = 64
/** New (heard of, not yet proven) buckets in the book (Go's `newBucketCount`). */
export const NEW_BUCKET_COUNT = 256
/** Old buckets one address group can spread over. */
export const OLD_BUCKETS_PER_GROUP = 4
/** New buckets one source group can spread over: what bounds a single source's reach. */
export const NEW_BUCKETS_PER_GROUP = 32
/**
 * New buckets one address may sit in at once (Go's `maxNewBucketsPerAddress`): hearing it
 * from more sources adds no further copies.
 */
export const MAX_NEW_BUCKETS_PER_ADDRESS = 4

/** isBad: the last attempt is older than this many days. */
export const NUM_MISSING_DAYS = 7
/** isBad: this many attempts and never a success. */
export const NUM_RETRIES = 3
/** isBad: this many attempts and no success within `MIN_BAD_DAYS`. */
export const MAX_FAILURES = 10
/** isBad: the window, in days, in which an address with `MAX_FAILURES` attempts must have succeeded. */
export const MIN_BAD_DAYS = 7

/** Percentage of the book that `getSelection` returns, before the two bounds below (Go's `getSelectionPercent`). */
export const GET_SELECTION_PERCENT = 23
/** Fewest addresses `getSelection` returns, unless the book holds fewer (Go's `minGetSelection`). */
export const MIN_GET_SELECTION = 32
/** Most addresses `getSelection` returns: the cap on one PEX answer (Go's `maxGetSelection`). */
export const MAX_GET_SELECTION = 250

/** `bucket_type` in addrbook.json of an address in the new buckets. */
export const BUCKET_TYPE_NEW = 1
/** `bucket_type` in addrbook.json of an address in the old buckets. */
export const BUCKET_TYPE_OLD = 2
/** Which set an address is in: {@link BUCKET_TYPE_NEW} or {@link BUCKET_TYPE_OLD}. */
export type BucketType = typeof BUCKET_TYPE_NEW | typeof BUCKET_TYPE_OLD

/** HighwayHash key length (Go `highwayhash.Size`). */
export const HASH_KEY_BYTES = 32
/** The persisted book key: 24 hex characters (12 random bytes). */
export const BOOK_KEY_HEX_LENGTH = 24

/** One day in milliseconds, the unit of the isBad windows above. */
export const DAY_MS = 24 * 60 * 60 * 1000
