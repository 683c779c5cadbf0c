import {
  formatIp,
  ipBytes,
  ipv4Bytes,
  isLocalAddress,
  isOnionCatTor,
  isRFC3964,
  isRFC4380,
  isRFC6052,
  isRFC6145,
  isRoutableAddress,
  type NetAddress
} from '@p2p/types'
import { canonicalAddress } from './canonical.js'

/** Hurricane Electric's 2001:470::/32, which gets a /36 group instead of a /32 (as in bitcoind). */
function isHeNet(ip: Uint8Array): boolean {
  return ip[0] === 0x20 && ip[1] === 0x01 && ip[2] === 0x04 && ip[3] === 0x70
}

function slash16(a: number, b: number): string {
  return `${a}.${b}.0.0`
}

/**
 * Go's `groupKeyFor`: the network group an address belongs to, the unit of the bucket
 * placement. IPv4 /16; IPv4 embedded in IPv6 (RFC 6145, 6052, 3964, Teredo) by that IPv4's /16;
 * OnionCat by 4 bits of the onion key; other IPv6 by /32 (/36 inside he.net). In strict mode
 * local addresses are all `"local"` and other unroutable ones `"unroutable"`.
 */
export function groupKey(addr: NetAddress, strict: boolean): string {
  if (strict && isLocalAddress(addr)) return 'local'
  if (strict && !isRoutableAddress(addr)) return 'unroutable'
  return groupKeyOfIp(ipBytes(addr))
}

/** The non-strict part of {@link groupKey}, on the 16-byte IP. */
export function groupKeyOfIp(ip: Uint8Array): string {
  if (ip.length === 0) return '<nil>' // what Go prints for a nil IP masked
  const v4 = ipv4Bytes(ip)
  if (v4 !== undefined) return slash16(v4[0]!, v4[1]!)
  if (isRFC6145(ip) || isRFC6052(ip)) return slash16(ip[12]!, ip[13]!)
  if (isRFC3964(ip)) return slash16(ip[2]!, ip[3]!)
  // Teredo stores the client's IPv4 bit-inverted in the last four bytes
  if (isRFC4380(ip)) return slash16(ip[12]! ^ 0xff, ip[13]! ^ 0xff)
  if (isOnionCatTor(ip)) return `tor:${ip[6]! & 0x0f}`
  const masked = new Uint8Array(16)
  masked.set(ip.subarray(0, 4))
  if (isHeNet(ip)) masked[4] = ip[4]! & 0xf0
  return formatIp(masked)
}

/** A source address as the book keeps it: canonical, shared by the entries it announced, with its group. */
export interface SourceInfo {
  readonly addr: NetAddress
  readonly group: string
}

interface CachedSource extends SourceInfo {
  /** The IP text as given (`addr.ip` is canonical). */
  readonly rawIp: string
}

/**
 * Memoised canonical form and {@link groupKey} of sources: one peer announces many addresses,
 * so its entries share one source object instead of a copy each. Keyed by ID (no key string to
 * build per add), checked against IP and port. Bounded by two generations of `max` each: when
 * the current one is full it becomes the previous one, and a source found there moves back, so
 * a working set of up to `2 × max` sources keeps hitting (clearing all at once would make a
 * round-robin over slightly more than `max` sources miss every time).
 */
export class SourceCache {
  private current = new Map<string, CachedSource>()
  private previous = new Map<string, CachedSource>()

  constructor(
    private readonly strict: boolean,
    private readonly max = 4096
  ) {}

  of(a: NetAddress): SourceInfo {
    let info = this.current.get(a.id)
    if (info !== undefined && info.rawIp === a.ip && info.addr.port === a.port) return info
    info = this.previous.get(a.id)
    if (info === undefined || info.rawIp !== a.ip || info.addr.port !== a.port) {
      // the ID is part of the group in strict mode: an invalid ID makes an address unroutable
      info = { addr: canonicalAddress(a), group: groupKey(a, this.strict), rawIp: a.ip }
    }
    if (this.current.size >= this.max) {
      this.previous = this.current
      this.current = new Map()
    }
    this.current.set(a.id, info)
    return info
  }
}
