import { isIPv4, parseIp } from './ip.js'
import {
  isIPv4Broadcast,
  isLoopback,
  isRFC1918,
  isRFC3849,
  isRFC3927,
  isRFC3964,
  isRFC4193,
  isRFC4380,
  isRFC4843,
  isRFC4862,
  isRFC6052,
  isRFC6145,
  isUnspecified,
  isZero4
} from './ip-ranges.js'
import type { NetAddress } from './net-address.js'
import { nodeIdProblem } from './node-id.js'

const NO_IP = new Uint8Array(0)

/**
 * The IP of `a` as 16 bytes (IPv4 mapped), or an empty array when `a.ip` is empty or not an IP
 * (then every range check is false, as for Go's nil IP). A fresh array each call.
 */
export function ipBytes(a: NetAddress): Uint8Array {
  return parseIp(a.ip) ?? NO_IP
}

/**
 * Go `DialString()`: `ip:port`, IPv6 in brackets. Uses `a.ip` as it is, so it assumes the
 * canonical text every constructor here produces; an empty IP prints `<nil>` as in Go.
 */
export function dialString(a: NetAddress): string {
  const host = a.ip === '' ? '<nil>' : a.ip
  return host.includes(':') ? `[${host}]:${a.port}` : `${host}:${a.port}`
}

/** Go `String()`: `id@` + {@link dialString}, or the dial string alone when the ID is empty. */
export function netAddressString(a: NetAddress): string {
  return a.id === '' ? dialString(a) : `${a.id}@${dialString(a)}`
}

/** Go `Equals`: the {@link netAddressString}s are identical (ID, IP and port). */
export function netAddressEquals(a: NetAddress, b: NetAddress): boolean {
  return netAddressString(a) === netAddressString(b)
}

/** Go `Same`: the same dial string, or the same non-empty ID. */
export function netAddressSame(a: NetAddress, b: NetAddress): boolean {
  return dialString(a) === dialString(b) || (a.id !== '' && a.id === b.id)
}

/**
 * Go `Valid()` as text: why `a` is not a valid address to dial or share, or `undefined`.
 * `invalid ID: <reason>`, `no IP`, or `invalid IP` (unspecified, RFC 3849 documentation range,
 * or 255.255.255.255). An `ip` that does not parse (impossible in Go) also gives `invalid IP`.
 */
export function netAddressProblem(a: NetAddress): string | undefined {
  const idProblem = nodeIdProblem(a.id)
  if (idProblem !== undefined) return `invalid ID: ${idProblem}`
  if (a.ip === '') return 'no IP'
  const ip = parseIp(a.ip)
  if (ip === undefined || !isValidIp(ip)) return 'invalid IP'
  return undefined
}

/**
 * The IP half of Go `Valid()`, on an already parsed IP ({@link parseIp}): not empty, not
 * unspecified, not in the RFC 3849 documentation range, not 255.255.255.255. With a valid ID
 * (`nodeIdProblem(id) === undefined`) this is {@link isValidNetAddress} without parsing the IP
 * text again.
 */
export function isValidIp(ip: Uint8Array): boolean {
  return ip.length > 0 && !(isUnspecified(ip) || isRFC3849(ip) || isIPv4Broadcast(ip))
}

/**
 * The IP half of Go `Routable()`, on an already parsed IP: {@link isValidIp} and in none of
 * RFC 1918, 3927, 4862, 4193, 4843 or local. With a valid ID this is
 * {@link isRoutableAddress} without parsing the IP text again (an address book checks many).
 */
export function isRoutableIp(ip: Uint8Array): boolean {
  return isValidIp(ip) && !isUnroutableRange(ip)
}

function isUnroutableRange(ip: Uint8Array): boolean {
  return isRFC1918(ip) || isRFC3927(ip) || isRFC4862(ip) || isRFC4193(ip) || isRFC4843(ip) || isLoopback(ip) || isZero4(ip)
}

/** Go `Valid() == nil`. */
export function isValidNetAddress(a: NetAddress): boolean {
  return netAddressProblem(a) === undefined
}

/** Go `Local()`: loopback (127/8, ::1) or 0.0.0.0/8. */
export function isLocalAddress(a: NetAddress): boolean {
  const ip = ipBytes(a)
  return isLoopback(ip) || isZero4(ip)
}

function isRoutableWithIp(a: NetAddress, ip: Uint8Array): boolean {
  return isValidNetAddress(a) && !isUnroutableRange(ip)
}

/**
 * Go `Routable()`: valid and in none of RFC 1918, 3927, 4862, 4193, 4843 or local. Note that, as
 * in Go, 100.64/10, multicast and the other special ranges count as routable.
 */
export function isRoutableAddress(a: NetAddress): boolean {
  return isRoutableWithIp(a, ipBytes(a))
}

/** Scores of {@link reachabilityTo} (Go's constants in `ReachabilityTo`). */
export const Reachability = {
  unreachable: 0,
  default: 1,
  teredo: 2,
  ipv6Weak: 3,
  ipv4: 4,
  ipv6Strong: 5
} as const

/** Go `ReachabilityTo`: how well `from` can reach `to`, 0 (unreachable) .. 5 (strong IPv6). */
export function reachabilityTo(from: NetAddress, to: NetAddress): number {
  const a = ipBytes(from)
  const b = ipBytes(to)
  if (!isRoutableWithIp(from, a)) return Reachability.unreachable
  const toRoutable = isRoutableWithIp(to, b)
  if (isRFC4380(a)) {
    if (!toRoutable) return Reachability.default
    if (isRFC4380(b)) return Reachability.teredo
    if (isIPv4(b)) return Reachability.ipv4
    return Reachability.ipv6Weak
  }
  if (isIPv4(a)) return toRoutable && isIPv4(b) ? Reachability.ipv4 : Reachability.default
  if (!toRoutable) return Reachability.default
  if (isRFC4380(b)) return Reachability.teredo
  if (isIPv4(b)) return Reachability.ipv4
  if (isRFC3964(b) || isRFC6052(b) || isRFC6145(b)) return Reachability.ipv6Weak
  return Reachability.ipv6Strong
}
