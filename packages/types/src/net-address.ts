import type { NodeID } from './node-id.js'

/**
 * Where a node can be reached: `id@ip:port`. `ip` is the address in Go's textual form
 * (dotted quad for IPv4 and IPv4-mapped IPv6, canonical lowercase IPv6 otherwise); there is no
 * host name here, names are resolved when an address is parsed.
 */
export interface NetAddress {
  readonly id: NodeID
  readonly ip: string
  readonly port: number
}
