/**
 * IP addresses as 16-byte `Uint8Array`s (IPv4 stored IPv4-mapped, `::ffff:a.b.c.d`, as Go's
 * `net.IP.To16()`), with Go's parsing and printing. The address-range checks CometBFT uses to
 * decide whether an address is valid, local or routable are in ip-ranges.ts.
 */

/** Byte length of an IPv4 address. */
export const IPV4_LENGTH = 4
/** Byte length of an IPv6 address (and of every address {@link parseIp} returns). */
export const IPV6_LENGTH = 16

/** An IP parsed the way Go's `netip.ParseAddr` does, with the IPv6 zone it carried (or ''). */
export interface ZonedIp {
  readonly ip: Uint8Array
  readonly zone: string
}

/**
 * Go's `net.ParseIP`: dotted-quad IPv4 (no leading zeros, no shorthand like `1.2.3`) or IPv6
 * (including an embedded IPv4 tail). A zone (`fe80::1%eth0`) makes it fail, as in Go.
 * Returns 16 bytes, IPv4 in IPv4-mapped form, or `undefined`.
 */
export function parseIp(text: string): Uint8Array | undefined {
  const parsed = parseIpWithZone(text)
  return parsed === undefined || parsed.zone !== '' ? undefined : parsed.ip
}

/**
 * Go's `netip.ParseAddr`: like {@link parseIp} but an IPv6 address may carry a non-empty zone.
 * This is what Go's resolver accepts locally, without DNS, before it would query a name server.
 */
export function parseIpWithZone(text: string): ZonedIp | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x2e) {
      const ip = mappedPrefix()
      return parseIpv4Into(text, 0, text.length, ip, 12) ? { ip, zone: '' } : undefined
    }
    if (c === 0x3a) return parseIpv6(text)
    if (c === 0x25) return undefined
  }
  return undefined
}

function mappedPrefix(): Uint8Array {
  const ip = new Uint8Array(IPV6_LENGTH)
  ip[10] = 0xff
  ip[11] = 0xff
  return ip
}

/** Dotted decimal, exactly four fields, each 0..255 without a leading zero. */
function parseIpv4Into(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let field = 0
  let value = 0
  let digits = 0
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && value === 0) return false
      value = value * 10 + (c - 0x30)
      digits++
      if (value > 255) return false
    } else if (c === 0x2e) {
      if (digits === 0 || i === end - 1 || field === 3) return false
      out[at + field++] = value
      value = 0
      digits = 0
    } else {
      return false
    }
  }
  if (field < 3 || digits === 0) return false
  out[at + 3] = value
  return true
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10
  return -1
}

function parseIpv6(text: string): ZonedIp | undefined {
  let end = text.length
  let zone = ''
  const pct = text.indexOf('%')
  if (pct !== -1) {
    zone = text.slice(pct + 1)
    if (zone === '') return undefined
    end = pct
  }
  const ip = new Uint8Array(IPV6_LENGTH)
  let pos = 0
  let ellipsis = -1
  let i = 0
  if (end >= 2 && text.charCodeAt(0) === 0x3a && text.charCodeAt(1) === 0x3a) {
    ellipsis = 0
    pos = 2
    if (pos === end) return { ip, zone }
  }
  while (i < IPV6_LENGTH) {
    let n = 0
    let value = 0
    while (pos + n < end) {
      const h = hexValue(text.charCodeAt(pos + n))
      if (h < 0) break
      if (n === 4) return undefined
      value = (value << 4) | h
      n++
    }
    if (n === 0) return undefined
    if (pos + n < end && text.charCodeAt(pos + n) === 0x2e) {
      // An IPv4 tail must fill the last 4 bytes, or sit after a `::` that leaves room for it.
      if ((ellipsis < 0 && i !== 12) || i + 4 > IPV6_LENGTH) return undefined
      if (!parseIpv4Into(text, pos, end, ip, i)) return undefined
      pos = end
      i += 4
      break
    }
    ip[i] = value >> 8
    ip[i + 1] = value & 0xff
    i += 2
    pos += n
    if (pos === end) break
    if (text.charCodeAt(pos) !== 0x3a || pos + 1 === end) return undefined
    pos++
    if (text.charCodeAt(pos) === 0x3a) {
      if (ellipsis >= 0) return undefined
      ellipsis = i
      pos++
      if (pos === end) break
    }
  }
  if (pos !== end) return undefined
  if (i < IPV6_LENGTH) {
    if (ellipsis < 0) return undefined
    const shift = IPV6_LENGTH - i
    ip.copyWithin(ellipsis + shift, ellipsis, i)
    ip.fill(0, ellipsis, ellipsis + shift)
  } else if (ellipsis >= 0) {
    return undefined
  }
  return { ip, zone }
}

/** True when `ip` is IPv4: 4 bytes, or 16 bytes in IPv4-mapped form (Go: `To4() != nil`). */
export function isIPv4(ip: Uint8Array): boolean {
  if (ip.length === IPV4_LENGTH) return true
  if (ip.length !== IPV6_LENGTH) return false
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false
  return ip[10] === 0xff && ip[11] === 0xff
}

/**
 * The 4 IPv4 bytes of an IPv4 or IPv4-mapped address, else `undefined` (Go `To4()`). A mapped
 * address gives a copy: a view of a small array would move its bytes out of V8's heap (≈ 1 µs).
 */
export function ipv4Bytes(ip: Uint8Array): Uint8Array | undefined {
  if (!isIPv4(ip)) return undefined
  return ip.length === IPV4_LENGTH ? ip : ip.slice(12, 16)
}

/** The 16-byte form of a 4- or 16-byte address (Go `To16()`), else `undefined`. */
export function ipv16Bytes(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === IPV6_LENGTH) return ip
  if (ip.length !== IPV4_LENGTH) return undefined
  const out = mappedPrefix()
  out.set(ip, 12)
  return out
}

/**
 * Go's `net.IP.String()`: dotted quad for IPv4 and IPv4-mapped addresses, otherwise lowercase
 * IPv6 with the longest run (first on a tie, at least two groups) of zero groups written `::`.
 * An empty IP prints `<nil>`, any other length `?` and hex, as in Go.
 */
export function formatIp(ip: Uint8Array): string {
  if (ip.length === 0) return '<nil>'
  const v4 = v4Offset(ip)
  if (v4 >= 0) return `${ip[v4]}.${ip[v4 + 1]}.${ip[v4 + 2]}.${ip[v4 + 3]}`
  if (ip.length !== IPV6_LENGTH) return '?' + Buffer.from(ip).toString('hex')
  const groups: number[] = []
  for (let g = 0; g < 8; g++) groups.push((ip[2 * g]! << 8) | ip[2 * g + 1]!)
  let bestStart = -1
  let bestLength = 1
  for (let g = 0; g < 8; g++) {
    let end = g
    while (end < 8 && groups[end] === 0) end++
    if (end - g > bestLength) {
      bestStart = g
      bestLength = end - g
    }
  }
  if (bestStart < 0) return groups.map((x) => x.toString(16)).join(':')
  const head = groups.slice(0, bestStart).map((x) => x.toString(16)).join(':')
  const tail = groups.slice(bestStart + bestLength).map((x) => x.toString(16)).join(':')
  return `${head}::${tail}`
}

/**
 * Offset of the IPv4 bytes in `ip` (0 or 12), or -1 when `ip` is not IPv4 (Go `To4() == nil`).
 * Shared with ip-ranges.ts; not exported by the package.
 */
export function v4Offset(ip: Uint8Array): number {
  if (ip.length === IPV4_LENGTH) return 0
  return isIPv4(ip) ? 12 : -1
}
