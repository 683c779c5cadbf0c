import { formatIp, isValidIp, type NetAddress, type NodeID, parseIp } from '@p2p/types'
import {
  BUCKET_TYPE_NEW,
  BUCKET_TYPE_OLD,
  type BucketType,
  MAX_NEW_BUCKETS_PER_ADDRESS,
  NEW_BUCKET_COUNT,
  OLD_BUCKET_COUNT
} from './constants.js'
import { parseGoTimeBytes } from './go-time.js'
import { KnownAddress, oneBucket } from './known-address.js'

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

/** Longest `key` accepted (as the general decoder). */
const MAX_KEY_LENGTH = 256
/** Longest source ID accepted (as the general decoder). */
const MAX_ID_LENGTH = 256

const QUOTE = 0x22
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const BACKSLASH = 0x5c

/** Gives up: the general decoder takes over. */
class GiveUp {}
const GIVE_UP = new GiveUp()

/** Field names as bytes, for comparing without making strings. */
const name = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))
const F_KEY = name('key')
const F_ADDRS = name('addrs')
const F_ADDR = name('addr')
const F_SRC = name('src')
const F_BUCKETS = name('buckets')
const F_ATTEMPTS = name('attempts')
const F_BUCKET_TYPE = name('bucket_type')
const F_LAST_ATTEMPT = name('last_attempt')
const F_LAST_SUCCESS = name('last_success')
const F_LAST_BAN_TIME = name('last_ban_time')
const F_ID = name('id')
const F_IP = name('ip')
const F_PORT = name('port')
const NULL = name('null')

/** A cursor over the file's bytes with the few JSON pieces the book needs. */
class Reader {
  at = 0
  /** Start and end (exclusive) of the last string read, without its quotes. */
  strStart = 0
  strEnd = 0

  constructor(readonly b: Buffer) {}

  space(): void {
    const b = this.b
    const len = b.length
    let at = this.at
    while (at < len) {
      const c = b[at]!
      if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) break
      at++
    }
    this.at = at
  }

  /** Skips space, then expects `c`. */
  expect(c: number): void {
    this.space()
    if (this.b[this.at] !== c) throw GIVE_UP
    this.at++
  }

  /** Skips space; true (and consumes it) when the next byte is `c`. */
  maybe(c: number): boolean {
    this.space()
    if (this.b[this.at] !== c) return false
    this.at++
    return true
  }

  /** A string of printable ASCII without escapes; its bounds in strStart/strEnd. */
  string(): void {
    this.expect(QUOTE)
    const b = this.b
    const len = b.length
    const start = this.at
    for (let at = start; at < len; at++) {
      const c = b[at]!
      if (c === QUOTE) {
        this.strStart = start
        this.strEnd = at
        this.at = at + 1
        return
      }
      // escapes, control and non-ASCII bytes are the general decoder's
      if (c === BACKSLASH || c < 0x20 || c > 0x7e) throw GIVE_UP
    }
    throw GIVE_UP
  }

  /** The next object key, then its colon. */
  key(): void {
    this.string()
    this.expect(COLON)
  }

  /** Whether the last string read is `field`. */
  is(field: Uint8Array): boolean {
    const n = this.strEnd - this.strStart
    if (n !== field.length) return false
    const b = this.b
    for (let i = 0; i < n; i++) if (b[this.strStart + i] !== field[i]) return false
    return true
  }

  /** A non-negative integer of at most 10 digits, no leading zero, no fraction or exponent. */
  uint(): number {
    this.space()
    const b = this.b
    let at = this.at
    const len = b.length
    let v = 0
    const start = at
    while (at < len) {
      const c = b[at]!
      if (c < 0x30 || c > 0x39) break
      v = v * 10 + c - 0x30
      at++
    }
    const n = at - start
    const next = b[at]
    if (n === 0 || n > 10 || (n > 1 && b[start] === 0x30) || next === 0x2e || next === 0x65 || next === 0x45) throw GIVE_UP
    this.at = at
    return v
  }

  /** Skips space; true (and consumes it) when the next value is `null`. */
  null(): boolean {
    this.space()
    const b = this.b
    for (let i = 0; i < 4; i++) if (b[this.at + i] !== NULL[i]) return false
    this.at += 4
    return true
  }

  /** The last string read, as a fresh (not sliced) string. */
  text(): string {
    return latin1(this.b, this.strStart, this.strEnd)
  }
}

/** A fresh string of `b[start..end)`: never a slice that would keep the file's text alive. */
function latin1(b: Buffer, start: number, end: number): string {
  return b.toString('latin1', start, end)
}

/** A source seen before: where its raw `{id, ip, port}` text is, and the address made of it. */
interface SourceSlot {
  readonly start: number
  readonly end: number
  readonly addr: NetAddress
  next: SourceSlot | undefined
}

/**
 * Sources shared by their entries (one peer announces many addresses), found by a hash of
 * their raw text and then compared byte for byte: a repeated source costs no string at all.
 */
type SourceIntern = Map<number, SourceSlot>

/**
 * Reads `{ "id": ..., "ip": ..., "port": ... }` (any order). `valid`: the ID must be 40 hex
 * characters and the IP a valid one (an address to dial); otherwise any ID up to 256 characters
 * and any IP that parses, or none (a source, as the general decoder allows).
 */
function netAddress(r: Reader, valid: boolean): NetAddress {
  r.expect(OPEN_BRACE)
  let id: NodeID | undefined
  let ip: string | undefined
  let port = -1
  do {
    r.key()
    // "id", "ip" or "port": told apart by length and second letter, then checked
    const n = r.strEnd - r.strStart
    const second = r.b[r.strStart + 1]
    if (n === 2 && second === 0x64 && r.is(F_ID)) {
      if (id !== undefined) throw GIVE_UP
      r.string()
      const start = r.strStart
      const end = r.strEnd
      const b = r.b
      if (valid) {
        if (end - start !== 40) throw GIVE_UP
        for (let i = start; i < end; i++) {
          const c = b[i]!
          if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) throw GIVE_UP
        }
      } else if (end - start > MAX_ID_LENGTH) throw GIVE_UP
      id = r.text() as NodeID
    } else if (n === 2 && second === 0x70 && r.is(F_IP)) {
      if (ip !== undefined) throw GIVE_UP
      r.string()
      ip = ipText(r, valid)
    } else if (n === 4 && r.is(F_PORT)) {
      if (port >= 0) throw GIVE_UP
      port = r.uint()
      if (port > 0xffff) throw GIVE_UP
    } else throw GIVE_UP
  } while (r.maybe(COMMA))
  r.expect(CLOSE_BRACE)
  if (id === undefined || ip === undefined || port < 0) throw GIVE_UP
  return { id, ip, port }
}

/** The canonical text of the IP just read; a plain dotted quad is canonical as it is. */
function ipText(r: Reader, valid: boolean): string {
  const b = r.b
  const start = r.strStart
  const end = r.strEnd
  if (start === end) {
    if (valid) throw GIVE_UP
    return ''
  }
  const quad = dottedQuad(b, start, end)
  if (quad >= 0) {
    // 0.0.0.0 and 255.255.255.255 are not valid addresses (Go Valid())
    if (valid && (quad === 0 || quad === 0xffffffff)) throw GIVE_UP
    return r.text()
  }
  // IPv6 and the rest: the general parser, then Go's canonical text
  const bytes = parseIp(r.text())
  if (bytes === undefined || (valid && !isValidIp(bytes))) throw GIVE_UP
  return formatIp(bytes)
}

/**
 * The IPv4 address of a strict dotted quad (`1.2.3.4`: four fields of 1-3 digits, 0..255, no
 * leading zero) as an unsigned 32-bit number, or -1 when the text is anything else.
 */
function dottedQuad(b: Uint8Array, start: number, end: number): number {
  let value = 0
  let fields = 0
  let at = start
  while (at < end) {
    let v = 0
    const from = at
    while (at < end && b[at]! >= 0x30 && b[at]! <= 0x39) v = v * 10 + b[at++]! - 0x30
    const n = at - from
    if (n === 0 || n > 3 || v > 255 || (n > 1 && b[from] === 0x30)) return -1
    value = value * 256 + v
    fields++
    if (at === end) break
    if (b[at] !== 0x2e || fields === 4) return -1
    at++
  }
  return fields === 4 && b[end - 1] !== 0x2e ? value : -1
}

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

/** A source, shared with the other entries that name the same one. */
function source(r: Reader, sources: SourceIntern): NetAddress {
  r.space()
  const b = r.b
  const start = r.at
  // the raw object: no nested value, and its strings hold no brace (else netAddress gives up)
  let end = start
  let hash = 0x811c9dc5
  for (;;) {
    const c = b[end++]
    if (c === undefined) throw GIVE_UP
    hash = Math.imul(hash ^ c, 0x01000193)
    if (c === CLOSE_BRACE) break
  }
  const first = sources.get(hash)
  for (let slot = first; slot !== undefined; slot = slot.next) {
    if (slot.end - slot.start === end - start && b.compare(b, slot.start, slot.end, start, end) === 0) {
      r.at = end
      return slot.addr
    }
  }
  const addr = netAddress(r, false)
  if (r.at !== end) throw GIVE_UP
  sources.set(hash, { start, end, addr, next: first })
  return addr
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
