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

/**
 * Memoised {@link groupKey} for addresses that recur, such as sources (one peer announces many
 * addresses). Bounded: it starts over when full.
 */
export class GroupKeyCache {
  private readonly cache = new Map<string, string>()

  constructor(
    private readonly strict: boolean,
    private readonly max = 4096
  ) {}

  of(a: NetAddress): string {
    // the ID is part of the key: in strict mode an invalid ID makes an address unroutable
    const k = `${a.id}@${a.ip}`
    let g = this.cache.get(k)
    if (g === undefined) {
      g = groupKey(a, this.strict)
      if (this.cache.size >= this.max) this.cache.clear()
      this.cache.set(k, g)
    }
    return g
  }
}
