// The address ranges CometBFT tells addresses apart by (private, documentation, link-local,
// Teredo, 6to4, NAT64, OnionCat, loopback, …): Go's `net.IPNet.Contains` on the 16-byte IPs of
// ip.ts.

import { IPV6_LENGTH, isIPv4, v4Offset } from './ip.js'

/** Go `net.IPNet.Contains` for an IPv4 network: only IPv4 (or IPv4-mapped) addresses match. */
function inV4(ip: Uint8Array, net: readonly number[], bits: number): boolean {
  const at = v4Offset(ip)
  return at >= 0 && prefixMatch(ip, at, net, bits)
}

/** Go `net.IPNet.Contains` for an IPv6 network: IPv4 and IPv4-mapped addresses never match. */
function inV6(ip: Uint8Array, net: readonly number[], bits: number): boolean {
  return ip.length === IPV6_LENGTH && !isIPv4(ip) && prefixMatch(ip, 0, net, bits)
}

function prefixMatch(ip: Uint8Array, at: number, net: readonly number[], bits: number): boolean {
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if (((ip[at + i] ?? 0) & mask) !== ((net[i] ?? 0) & mask)) return false
  }
  return true
}

const NET_10 = [10]
const NET_192_168 = [192, 168]
const NET_172_16 = [172, 16]
const NET_169_254 = [169, 254]
const NET_0 = [0]
const NET_3849 = [0x20, 0x01, 0x0d, 0xb8]
const NET_3964 = [0x20, 0x02]
const NET_4193 = [0xfc]
const NET_4380 = [0x20, 0x01, 0x00, 0x00]
const NET_4843 = [0x20, 0x01, 0x00, 0x10]
const NET_4862 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0]
const NET_6052 = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]
const NET_6145 = [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0]
const NET_ONION_CAT = [0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43]

/** RFC 1918 private IPv4: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16. */
export function isRFC1918(ip: Uint8Array): boolean {
  return inV4(ip, NET_10, 8) || inV4(ip, NET_192_168, 16) || inV4(ip, NET_172_16, 12)
}
/** RFC 3849 IPv6 documentation range 2001:db8::/32. */
export function isRFC3849(ip: Uint8Array): boolean {
  return inV6(ip, NET_3849, 32)
}
/** RFC 3927 IPv4 link-local (autoconfig) 169.254.0.0/16. */
export function isRFC3927(ip: Uint8Array): boolean {
  return inV4(ip, NET_169_254, 16)
}
/** RFC 3964 IPv6 6to4 2002::/16. */
export function isRFC3964(ip: Uint8Array): boolean {
  return inV6(ip, NET_3964, 16)
}
/** RFC 4193 IPv6 unique local fc00::/7. */
export function isRFC4193(ip: Uint8Array): boolean {
  return inV6(ip, NET_4193, 7)
}
/** RFC 4380 IPv6 Teredo 2001::/32. */
export function isRFC4380(ip: Uint8Array): boolean {
  return inV6(ip, NET_4380, 32)
}
/** RFC 4843 IPv6 ORCHID 2001:10::/28. */
export function isRFC4843(ip: Uint8Array): boolean {
  return inV6(ip, NET_4843, 28)
}
/** RFC 4862 IPv6 link-local (autoconfig) fe80::/64. */
export function isRFC4862(ip: Uint8Array): boolean {
  return inV6(ip, NET_4862, 64)
}
/** RFC 6052 IPv6 well-known NAT64 prefix 64:ff9b::/96. */
export function isRFC6052(ip: Uint8Array): boolean {
  return inV6(ip, NET_6052, 96)
}
/**
 * RFC 6145 IPv4-translated IPv6 ::ffff:0:0:0/96, i.e. bytes 8..9 = ff ff and 10..11 = 0; this is
 * not the IPv4-mapped form (bytes 10..11 = ff ff), which is IPv4 and never matches.
 */
export function isRFC6145(ip: Uint8Array): boolean {
  return inV6(ip, NET_6145, 96)
}
/** OnionCat (Tor) fd87:d87e:eb43::/48, a part of RFC 4193. */
export function isOnionCatTor(ip: Uint8Array): boolean {
  return inV6(ip, NET_ONION_CAT, 48)
}
/** IPv4 0.0.0.0/8 ("this network"), which CometBFT counts as local. */
export function isZero4(ip: Uint8Array): boolean {
  return inV4(ip, NET_0, 8)
}
/** Go `IsLoopback`: 127.0.0.0/8 (IPv4 or IPv4-mapped) or ::1. */
export function isLoopback(ip: Uint8Array): boolean {
  const at = v4Offset(ip)
  if (at >= 0) return ip[at] === 127
  if (ip.length !== IPV6_LENGTH || ip[15] !== 1) return false
  for (let i = 0; i < 15; i++) if (ip[i] !== 0) return false
  return true
}
/** Go `IsUnspecified`: 0.0.0.0 (IPv4 or IPv4-mapped) or ::. */
export function isUnspecified(ip: Uint8Array): boolean {
  const at = v4Offset(ip)
  if (at < 0 && ip.length !== IPV6_LENGTH) return false
  for (let i = Math.max(at, 0); i < ip.length; i++) if (ip[i] !== 0) return false
  return true
}
/** The IPv4 limited broadcast address 255.255.255.255 (IPv4 or IPv4-mapped). */
export function isIPv4Broadcast(ip: Uint8Array): boolean {
  const at = v4Offset(ip)
  return at >= 0 && ip[at] === 0xff && ip[at + 1] === 0xff && ip[at + 2] === 0xff && ip[at + 3] === 0xff
}
