/** Go `p2p/pex/params.go` (v0.34.35): the geometry and thresholds of the address book. */

/** `needMoreAddrs()` is true while the book holds fewer addresses than this. */
export const NEED_ADDRESS_THRESHOLD = 1000
/** Go `dumpAddressInterval`: the periodic save. */
export const DUMP_ADDRESS_INTERVAL_MS = 2 * 60 * 1000

export const OLD_BUCKET_SIZE = 64
export const OLD_BUCKET_COUNT = 64
export const NEW_BUCKET_SIZE = 64
export const NEW_BUCKET_COUNT = 256
/** Old buckets one address group can spread over. */
export const OLD_BUCKETS_PER_GROUP = 4
/** New buckets one source group can spread over: what bounds a single source's reach. */
export const NEW_BUCKETS_PER_GROUP = 32
export const MAX_NEW_BUCKETS_PER_ADDRESS = 4

/** isBad: the last attempt is older than this many days. */
export const NUM_MISSING_DAYS = 7
/** isBad: this many attempts and never a success. */
export const NUM_RETRIES = 3
/** isBad: this many attempts and no success within `MIN_BAD_DAYS`. */
export const MAX_FAILURES = 10
export const MIN_BAD_DAYS = 7

export const GET_SELECTION_PERCENT = 23
export const MIN_GET_SELECTION = 32
export const MAX_GET_SELECTION = 250

/** `bucket_type` in addrbook.json. */
export const BUCKET_TYPE_NEW = 1
export const BUCKET_TYPE_OLD = 2
export type BucketType = typeof BUCKET_TYPE_NEW | typeof BUCKET_TYPE_OLD

/** HighwayHash key length (Go `highwayhash.Size`). */
export const HASH_KEY_BYTES = 32
/** The persisted book key: 24 hex characters (12 random bytes). */
export const BOOK_KEY_HEX_LENGTH = 24

export const DAY_MS = 24 * 60 * 60 * 1000
