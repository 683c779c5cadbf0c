import { formatIp, type NetAddress, parseIp } from '@p2p/types'

/**
 * `a` with its IP in Go's canonical text (`::ffff:1.2.3.4` becomes `1.2.3.4`, IPv6 lowercase and
 * compressed), so that one host has one bucket key, and the parsed IP (undefined when it does
 * not parse; `a` is then returned as it is).
 */
export function canonicalize(a: NetAddress): { addr: NetAddress; ip: Uint8Array | undefined } {
  const ip = parseIp(a.ip)
  if (ip === undefined) return { addr: a, ip }
  const text = formatIp(ip)
  return { addr: text === a.ip ? a : { id: a.id, ip: text, port: a.port }, ip }
}

/** {@link canonicalize} without the IP. */
export function canonicalAddress(a: NetAddress): NetAddress {
  return canonicalize(a).addr
}
