import { formatIp, isIPv4, type NetAddress, parseIp } from '@p2p/types'

/**
 * `a` with its IP in Go's canonical text (`::ffff:1.2.3.4` becomes `1.2.3.4`, IPv6 lowercase and
 * compressed), so that one host has one bucket key, and the parsed IP (undefined when it does
 * not parse; `a` is then returned as it is).
 */
export function canonicalize(a: NetAddress): { addr: NetAddress; ip: Uint8Array | undefined } {
  const ip = parseIp(a.ip)
  if (ip === undefined) return { addr: a, ip }
  return { addr: withCanonicalIp(a, ip), ip }
}

/** `a` itself when `a.ip` is already the canonical text of `ip` (its parse), else a copy that is. */
export function withCanonicalIp(a: NetAddress, ip: Uint8Array): NetAddress {
  // an IPv4 text that parsed without a colon is a plain dotted quad (the parser refuses leading
  // zeros and short forms): canonical already, no need to format and compare
  if (isIPv4(ip) && !a.ip.includes(':')) return a
  const text = formatIp(ip)
  return text === a.ip ? a : { id: a.id, ip: text, port: a.port }
}

/** {@link canonicalize} without the IP. */
export function canonicalAddress(a: NetAddress): NetAddress {
  return canonicalize(a).addr
}
