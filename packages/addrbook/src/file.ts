import { CorruptFileError, formatIp, type NetAddress, type NodeID, netAddressProblem, parseIp } from '@p2p/types'
import { scanBookShape } from './book-shape.js'
import {
  BUCKET_TYPE_NEW,
  BUCKET_TYPE_OLD,
  MAX_NEW_BUCKETS_PER_ADDRESS,
  NEW_BUCKET_COUNT,
  NEW_BUCKET_SIZE,
  OLD_BUCKET_COUNT,
  OLD_BUCKET_SIZE
} from './constants.js'
import { fastDecodeAddrBook } from './fast-decode.js'
import { formatGoTime, GO_ZERO_TIME_MS, parseGoTime } from './go-time.js'
import { KnownAddress } from './known-address.js'

/*
 * Go's addrbook.json: `{ "key": <24 hex>, "addrs": [knownAddress...] }`, written by
 * `json.MarshalIndent(v, "", "\t")`. We write the same bytes Go would (same fields, order and
 * indentation) and read leniently where Go is lenient (unknown fields, missing fields as zero
 * values) but never trust the content: an entry that would make Go panic or miscount is dropped.
 */

export interface DecodedAddrBook {
  /** The book key, or undefined when the file has none (Go would then use ""). */
  key: string | undefined
  /**
   * The usable entries, checked and normalised, in file order; each lists the (distinct, in
   * range, at most 4 or 1) buckets the file names, not yet placed in any.
   */
  records: KnownAddress[]
  /** Position in the file's `addrs` of each record, or undefined when record i is entry i. */
  positions: number[] | undefined
  /** Entries left out, by position in `addrs`, and why. */
  dropped: Array<{ index: number; reason: string }>
}

/** Longest `key` accepted; Go writes 24 hex characters. */
const MAX_KEY_LENGTH = 256

/**
 * Most entries a file can describe: every bucket at its peak (Go lets a bucket reach size + 1
 * before evicting). A longer `addrs` list is not a book we wrote, or Go did.
 */
export const MAX_FILE_ENTRIES = NEW_BUCKET_COUNT * (NEW_BUCKET_SIZE + 1) + OLD_BUCKET_COUNT * (OLD_BUCKET_SIZE + 1)

/** The top-level fields of Go's file; anything else is a file of an unknown shape. */
const KNOWN_KEYS = new Set(['key', 'addrs'])

/**
 * Serialises the book exactly as Go's `saveToFile` lays it out: `JSON.stringify` with a tab
 * indent prints the same bytes as Go's `json.MarshalIndent(v, "", "\t")` for these fields, in
 * the order built here (Go's struct order). Go would also escape `<`, `>` and `&`, which never
 * occur in IDs and IPs, and reads either form.
 */
export function encodeAddrBook(key: string, entries: Iterable<KnownAddress>): string {
  const addrs: object[] = []
  for (const ka of entries) {
    addrs.push({
      addr: { id: ka.addr.id, ip: ka.addr.ip, port: ka.addr.port },
      src: { id: ka.src.id, ip: ka.src.ip, port: ka.src.port },
      buckets: ka.buckets,
      attempts: ka.attempts,
      bucket_type: ka.bucketType,
      last_attempt: formatGoTime(ka.lastAttempt),
      last_success: formatGoTime(ka.lastSuccess),
      last_ban_time: formatGoTime(ka.lastBanTime)
    })
  }
  return JSON.stringify({ key, addrs }, null, '\t')
}

/**
 * Parses addrbook.json. Throws {@link CorruptFileError} when the text is not JSON (a truncated
 * write), is not an object with exactly Go's fields (`addrs`, a list or null, and optionally
 * `key`: a misspelt `addrs` must not load as an empty book that the next save writes over the
 * real one), or lists more than {@link MAX_FILE_ENTRIES} entries (a text with enough commas
 * for a far longer list is scanned before anything is parsed, so a 26 M-entry junk file never
 * reaches `JSON.parse`). Entries that are malformed are returned in `dropped` instead of failing
 * the whole book. A well-formed book (the common case) is read by a one-pass decoder over the
 * bytes that builds the entries directly; anything it does not accept goes to
 * {@link decodeAddrBookJson}, which alone decides what is wrong.
 */
export function decodeAddrBook(input: string | Uint8Array, path: string, maxEntries: number = MAX_FILE_ENTRIES): DecodedAddrBook {
  // The common case, a well-formed book, in one pass over the bytes; anything else is read below.
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  const fast = fastDecodeAddrBook(bytes, maxEntries)
  if (fast !== undefined) return { key: fast.key, records: fast.entries, positions: undefined, dropped: [] }
  const text = typeof input === 'string' ? input : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  return decodeAddrBookJson(text, path, maxEntries)
}

/**
 * The general decoder behind {@link decodeAddrBook}: `JSON.parse`, then every entry checked;
 * it decides what is corrupt and which entries are dropped, and why.
 */
export function decodeAddrBookJson(text: string, path: string, maxEntries: number = MAX_FILE_ENTRIES): DecodedAddrBook {
  // A list of n entries needs n - 1 commas; only a text with that many is scanned before the
  // parse (a legitimate full book has ~20 commas an entry, so it never pays for the scan).
  if (hasMoreThan(text, 0x2c, maxEntries * 32) && scanBookShape(text, maxEntries)?.overflow === true) {
    throw new CorruptFileError(path, `address book ${path} lists more than ${maxEntries} entries, more than a book can hold`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new CorruptFileError(path, `address book ${path} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  if (!isObject(json)) throw new CorruptFileError(path, `address book ${path} is not a JSON object`)
  const unknown = Object.keys(json).find((k) => !KNOWN_KEYS.has(k))
  if (unknown !== undefined) throw new CorruptFileError(path, `address book ${path} has an unknown field ${JSON.stringify(unknown.slice(0, 64))}`)
  let key: string | undefined
  if (json.key !== undefined && json.key !== null) {
    if (typeof json.key !== 'string' || json.key.length > MAX_KEY_LENGTH) {
      throw new CorruptFileError(path, `address book ${path} has an invalid "key"`)
    }
    if (json.key !== '') key = json.key
  }
  if (!('addrs' in json)) throw new CorruptFileError(path, `address book ${path} has no "addrs" field`)
  const addrs = json.addrs ?? []
  if (!Array.isArray(addrs)) throw new CorruptFileError(path, `address book ${path}: "addrs" is not a list`)
  if (addrs.length > maxEntries) {
    throw new CorruptFileError(path, `address book ${path} lists more than ${maxEntries} entries, more than a book can hold`)
  }
  const records: KnownAddress[] = []
  const positions: number[] = []
  const dropped: DecodedAddrBook['dropped'] = []
  const sources = new Map<string, NetAddress>()
  addrs.forEach((raw: unknown, index) => {
    const result = decodeEntry(raw, sources)
    if (typeof result === 'string') dropped.push({ index, reason: result })
    else {
      records.push(result)
      positions.push(index)
    }
  })
  return { key, records, positions, dropped }
}

/** A checked record, or the reason the entry is unusable. */
function decodeEntry(raw: unknown, sources: Map<string, NetAddress>): KnownAddress | string {
  if (!isObject(raw)) return 'not an object'
  const addr = decodeNetAddress(raw.addr)
  if (typeof addr === 'string') return `addr: ${addr}`
  const problem = netAddressProblem(addr)
  if (problem !== undefined) return `addr: ${problem}`
  const decodedSrc = decodeNetAddress(raw.src)
  if (typeof decodedSrc === 'string') return `src: ${decodedSrc}`
  // entries announced by one source share its address
  const srcKey = `${decodedSrc.id}\n${decodedSrc.ip}\n${decodedSrc.port}`
  const src = sources.get(srcKey) ?? decodedSrc
  if (src === decodedSrc) sources.set(srcKey, src)
  const bucketType = raw.bucket_type
  if (bucketType !== BUCKET_TYPE_NEW && bucketType !== BUCKET_TYPE_OLD) return `unknown bucket_type ${String(bucketType)}`
  const count = bucketType === BUCKET_TYPE_NEW ? NEW_BUCKET_COUNT : OLD_BUCKET_COUNT
  const limit = bucketType === BUCKET_TYPE_NEW ? MAX_NEW_BUCKETS_PER_ADDRESS : 1
  const buckets: number[] = []
  if (raw.buckets !== undefined && raw.buckets !== null) {
    if (!Array.isArray(raw.buckets)) return 'buckets is not a list'
    for (const b of raw.buckets as unknown[]) {
      if (!Number.isInteger(b) || (b as number) < 0 || (b as number) >= count) return `bucket index ${String(b)} out of range`
      if (!buckets.includes(b as number) && buckets.length < limit) buckets.push(b as number)
    }
  }
  const attempts = raw.attempts ?? 0
  if (!Number.isInteger(attempts) || (attempts as number) < 0 || (attempts as number) > 0x7fffffff) return 'invalid attempts'
  const times: number[] = []
  for (const field of ['last_attempt', 'last_success', 'last_ban_time'] as const) {
    const value = raw[field]
    if (value === undefined || value === null) {
      times.push(GO_ZERO_TIME_MS)
      continue
    }
    const ms = typeof value === 'string' ? parseGoTime(value) : undefined
    if (ms === undefined) return `invalid ${field}`
    times.push(ms)
  }
  const ka = new KnownAddress(addr, src, times[0]!)
  ka.buckets = buckets
  ka.attempts = attempts as number
  ka.bucketType = bucketType
  ka.lastSuccess = times[1]!
  ka.lastBanTime = times[2]!
  return ka
}

/** `{id, ip, port}` with the IP in canonical text; an empty IP is kept (Go's nil IP). */
function decodeNetAddress(raw: unknown): NetAddress | string {
  if (!isObject(raw)) return 'not an object'
  const id = raw.id ?? ''
  if (typeof id !== 'string' || id.length > 256) return 'invalid id'
  const port = raw.port ?? 0
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 0xffff) return 'invalid port'
  const ipText = raw.ip ?? ''
  if (typeof ipText !== 'string') return 'invalid ip'
  let ip = ''
  if (ipText !== '') {
    const bytes = parseIp(ipText)
    if (bytes === undefined) return `invalid ip ${JSON.stringify(ipText.slice(0, 64))}`
    ip = formatIp(bytes)
  }
  return { id: id as NodeID, ip, port: port as number }
}

/** True when `text` holds more than `limit` copies of the character `code` (stops counting there). */
function hasMoreThan(text: string, code: number, limit: number): boolean {
  const ch = String.fromCharCode(code)
  let n = 0
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) {
    if (++n > limit) return true
  }
  return false
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
