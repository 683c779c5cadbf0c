/**
 * @packageDocumentation
 *
 * The interfaces, value types and typed errors shared by every `@p2p` package. Layers depend on
 * this package only, never on each other, so any layer can be replaced by an implementation of
 * its interface here.
 *
 * @example
 * ```ts
 * import { nodeIdFromPublicKey, parseNetAddress } from '@p2p/types'
 *
 * const addr = await parseNetAddress('deadbeefdeadbeefdeadbeefdeadbeefdeadbeef@1.2.3.4:26656')
 * console.log(addr.id, addr.ip, addr.port)
 * ```
 */
export * from './address-errors.js'
export * from './addrbook.js'
export * from './channel.js'
export * from './connection.js'
export * from './connection-errors.js'
export * from './ed25519.js'
export * from './errors.js'
export * from './events.js'
export * from './filters.js'
// by name: ip.ts also exports v4Offset, for ip-ranges.ts only
export { formatIp, IPV4_LENGTH, IPV6_LENGTH, ipv4Bytes, ipv16Bytes, isIPv4, parseIp, parseIpWithZone, type ZonedIp } from './ip.js'
export * from './ip-ranges.js'
export * from './logger.js'
export * from './metrics.js'
export * from './net-address.js'
export * from './net-address-parse.js'
export * from './net-address-props.js'
export * from './net-address-resolve.js'
export * from './node-id.js'
export * from './node-info.js'
export * from './node-info-compatible.js'
export * from './node-info-validate.js'
export * from './node-key.js'
export * from './peer.js'
export * from './peer-errors.js'
export * from './peer-manager.js'
export * from './reactor.js'
export * from './startable.js'
export * from './repeating-task.js'
export * from './switch.js'
export * from './transport.js'
