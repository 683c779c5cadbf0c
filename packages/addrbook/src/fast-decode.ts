import type { NetAddress } from '@p2p/types'
import { asciiBytes, GIVE_UP, Reader } from './byte-reader.js'
import {
  BUCKET_TYPE_NEW,
  BUCKET_TYPE_OLD,
  type BucketType,
  MAX_NEW_BUCKETS_PER_ADDRESS,
  NEW_BUCKET_COUNT,
  OLD_BUCKET_COUNT
} from './constants.js'
import { netAddress, type SourceIntern, source } from './fast-decode-address.js'
import { parseGoTimeBytes } from './go-time.js'
import { KnownAddress, oneBucket } from './known-address.js'

// JSON punctuation
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b

/*
 * The fast path of loading addrbook.json: one pass over the file's bytes that builds the entries
 * directly, with no JSON object tree, no intermediate record and no per-field temporary string.
 * It accepts only the common case: a file in which every entry is well formed and usable, with
 * every field present, strings without escapes or non-ASCII bytes, plain integers and no unknown
 * field (which is what Go and we write, indented or not). On anything else it gives up (returns
 * undefined) and the general decoder, built on `JSON.parse`, reads the file and says what is
 * wrong: the fast path never decides that a file or an entry is bad, so both paths give the same
 * book for any file the fast path accepts.
 */

/** What the fast path produces: the book key and the entries, each listing the buckets the file names. */
export interface FastDecoded {
  key: string | undefined
  entries: KnownAddress[]
}

/** Field names as bytes, for comparing without making strings. */
const F_KEY = asciiBytes('key')
const F_ADDRS = asciiBytes('addrs')
const F_ADDR = asciiBytes('addr')
const F_SRC = asciiBytes('src')
const F_BUCKETS = asciiBytes('buckets')
const F_ATTEMPTS = asciiBytes('attempts')
const F_BUCKET_TYPE = asciiBytes('bucket_type')
const F_LAST_ATTEMPT = asciiBytes('last_attempt')
const F_LAST_SUCCESS = asciiBytes('last_success')
const F_LAST_BAN_TIME = asciiBytes('last_ban_time')

/** Longest `key` accepted (as the general decoder). */
const MAX_KEY_LENGTH = 256

/** `"buckets"`: a list of distinct-on-use indices below `count` (or null), at most `limit` kept. */
function buckets(r: Reader, type: BucketType): readonly number[] {
  if (r.null()) return []
  const count = type === BUCKET_TYPE_NEW ? NEW_BUCKET_COUNT : OLD_BUCKET_COUNT
  const limit = type === BUCKET_TYPE_NEW ? MAX_NEW_BUCKETS_PER_ADDRESS : 1
  r.expect(OPEN_BRACKET)
  if (r.maybe(CLOSE_BRACKET)) return []
  let list: number[] | undefined
  let first = -1
  do {
    const v = r.uint()
    if (v >= count) throw GIVE_UP
    if (first < 0) first = v
    else if (v !== first && (list === undefined || !list.includes(v))) {
      list ??= [first]
      if (list.length < limit) list.push(v)
    }
  } while (r.maybe(COMMA))
  r.expect(CLOSE_BRACKET)
  return list ?? oneBucket(first)
}

function time(r: Reader): number {
  r.string()
  const ms = parseGoTimeBytes(r.b, r.strStart, r.strEnd)
  if (ms === undefined) throw GIVE_UP
  return ms
}

const ADDR = 1
const SRC = 2
const BUCKETS = 3
const ATTEMPTS = 4
const BUCKET_TYPE = 5
const LAST_ATTEMPT = 6
const LAST_SUCCESS = 7
const LAST_BAN_TIME = 8

/** Which field of an entry the key just read names (by its length, then one comparison), or 0. */
function entryField(r: Reader): number {
  switch (r.strEnd - r.strStart) {
    case 4:
      return r.is(F_ADDR) ? ADDR : 0
    case 3:
      return r.is(F_SRC) ? SRC : 0
    case 7:
      return r.is(F_BUCKETS) ? BUCKETS : 0
    case 8:
      return r.is(F_ATTEMPTS) ? ATTEMPTS : 0
    case 11:
      return r.is(F_BUCKET_TYPE) ? BUCKET_TYPE : 0
    case 12:
      return r.is(F_LAST_ATTEMPT) ? LAST_ATTEMPT : r.is(F_LAST_SUCCESS) ? LAST_SUCCESS : 0
    case 13:
      return r.is(F_LAST_BAN_TIME) ? LAST_BAN_TIME : 0
    default:
      return 0
  }
}

/** One entry; its `buckets` are the ones the file names (restore places it). */
function entry(r: Reader, sources: SourceIntern): KnownAddress {
  r.expect(OPEN_BRACE)
  let addr: NetAddress | undefined
  let src: NetAddress | undefined
  let attempts = -1
  let type = 0
  let lastAttempt: number | undefined
  let lastSuccess: number | undefined
  let lastBan: number | undefined
  let bucketsAt = -1
  do {
    r.key()
    switch (entryField(r)) {
      case ADDR:
        if (addr !== undefined) throw GIVE_UP
        addr = netAddress(r, true)
        break
      case SRC:
        if (src !== undefined) throw GIVE_UP
        src = source(r, sources)
        break
      case BUCKETS:
        // the range and count of indices depend on bucket_type, which may come later
        if (bucketsAt >= 0) throw GIVE_UP
        bucketsAt = r.at
        skipBuckets(r)
        break
      case ATTEMPTS:
        if (attempts >= 0) throw GIVE_UP
        attempts = r.uint()
        if (attempts > 0x7fffffff) throw GIVE_UP
        break
      case BUCKET_TYPE:
        if (type !== 0) throw GIVE_UP
        type = r.uint()
        if (type !== BUCKET_TYPE_NEW && type !== BUCKET_TYPE_OLD) throw GIVE_UP
        break
      case LAST_ATTEMPT:
        if (lastAttempt !== undefined) throw GIVE_UP
        lastAttempt = time(r)
        break
      case LAST_SUCCESS:
        if (lastSuccess !== undefined) throw GIVE_UP
        lastSuccess = time(r)
        break
      case LAST_BAN_TIME:
        if (lastBan !== undefined) throw GIVE_UP
        lastBan = time(r)
        break
      default:
        throw GIVE_UP
    }
  } while (r.maybe(COMMA))
  r.expect(CLOSE_BRACE)
  if (
    addr === undefined ||
    src === undefined ||
    bucketsAt < 0 ||
    attempts < 0 ||
    type === 0 ||
    lastAttempt === undefined ||
    lastSuccess === undefined ||
    lastBan === undefined
  ) {
    throw GIVE_UP
  }
  const end = r.at
  r.at = bucketsAt
  const wanted = buckets(r, type as BucketType)
  r.at = end
  const ka = new KnownAddress(addr, src, lastAttempt)
  ka.bucketType = type as BucketType
  ka.attempts = attempts
  ka.lastSuccess = lastSuccess
  ka.lastBanTime = lastBan
  ka.buckets = wanted
  return ka
}

/** Skips a `buckets` value (null or a list of integers), checked when read again. */
function skipBuckets(r: Reader): void {
  if (r.null()) return
  r.expect(OPEN_BRACKET)
  if (r.maybe(CLOSE_BRACKET)) return
  do r.uint()
  while (r.maybe(COMMA))
  r.expect(CLOSE_BRACKET)
}

/**
 * The book in `bytes` when every part of it is in the common, well-formed shape; undefined when
 * the general decoder must read it (then nothing here has decided anything about the file).
 * Stops (undefined) once `addrs` holds more than `maxEntries` entries.
 */
export function fastDecodeAddrBook(bytes: Uint8Array, maxEntries: number): FastDecoded | undefined {
  try {
    const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    return decode(new Reader(b), maxEntries)
  } catch (err) {
    if (err === GIVE_UP) return undefined
    // a RangeError (stack) or similar on a pathological file: the general decoder decides
    return undefined
  }
}

function decode(r: Reader, maxEntries: number): FastDecoded {
  let key: string | undefined
  let seenKey = false
  let entries: KnownAddress[] | undefined
  const sources: SourceIntern = new Map()
  r.expect(OPEN_BRACE)
  do {
    r.key()
    if (r.is(F_KEY) && !seenKey) {
      seenKey = true
      r.string()
      if (r.strEnd - r.strStart > MAX_KEY_LENGTH) throw GIVE_UP
      if (r.strEnd > r.strStart) key = r.text()
    } else if (r.is(F_ADDRS) && entries === undefined) {
      entries = []
      r.expect(OPEN_BRACKET)
      if (!r.maybe(CLOSE_BRACKET)) {
        do {
          if (entries.length >= maxEntries) throw GIVE_UP
          entries.push(entry(r, sources))
        } while (r.maybe(COMMA))
        r.expect(CLOSE_BRACKET)
      }
    } else throw GIVE_UP
  } while (r.maybe(COMMA))
  r.expect(CLOSE_BRACE)
  r.space()
  if (r.at !== r.b.length || entries === undefined) throw GIVE_UP
  return { key, entries }
}
