import { formatIp, isValidIp, type NetAddress, type NodeID, parseIp } from '@p2p/types'
import { asciiBytes, GIVE_UP, type Reader } from './byte-reader.js'

// JSON punctuation
const CLOSE_BRACE = 0x7d
const COMMA = 0x2c
const OPEN_BRACE = 0x7b

/* Addresses in the fast loader: an entry's `addr` (must be valid) and its `src` (shared). */

/** Longest source ID accepted (as the general decoder). */
const MAX_ID_LENGTH = 256

const F_ID = asciiBytes('id')
const F_IP = asciiBytes('ip')
const F_PORT = asciiBytes('port')

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
export type SourceIntern = Map<number, SourceSlot>

/**
 * Reads `{ "id": ..., "ip": ..., "port": ... }` (any order). `valid`: the ID must be 40 hex
 * characters and the IP a valid one (an address to dial); otherwise any ID up to 256 characters
 * and any IP that parses, or none (a source, as the general decoder allows).
 */
export function netAddress(r: Reader, valid: boolean): NetAddress {
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

/** A source, shared with the other entries that name the same one. */
export function source(r: Reader, sources: SourceIntern): NetAddress {
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
