import { ipBytes, ipv4Bytes, isRoutableAddress, type NetAddress } from '@p2p/types'

/**
 * The address group of an address: outbound peers are spread across groups. `undefined` puts
 * the address in no group (no limit applies to it).
 */
export type AddressGroupFn = (addr: NetAddress) => string | undefined

/**
 * The default group: the /16 of a routable IPv4 address and the /32 of a routable IPv6 one (the
 * unit of Go's address-book buckets, without its special IPv6 tunnel ranges). A non-routable
 * address (loopback, private) is in no group: diversity guards against an attacker owning a
 * few public ranges, while on a private network (or a test machine, where every node may share
 * 127.0.0.1) every host is trusted alike. Pass
 * `@p2p/addrbook`'s `groupKey` for the book's exact function.
 */
export const defaultAddressGroup: AddressGroupFn = (addr) => {
  if (!isRoutableAddress(addr)) return undefined
  const ip = ipBytes(addr)
  const v4 = ipv4Bytes(ip)
  if (v4 !== undefined) return `${v4[0]}.${v4[1]}.0.0/16`
  return `${[0, 2].map((i) => ((ip[i]! << 8) | ip[i + 1]!).toString(16)).join(':')}::/32`
}
