import type { NetAddressError } from './address-errors.js'
import { NodeInfoError, type NodeInfoField } from './connection-errors.js'
import type { NetAddress } from './net-address.js'
import { idAddressString, literalAddress, type ParseNetAddressOptions, parseNetAddress, portOf, splitIdAddress } from './net-address-parse.js'
import { isDomainName } from './net-address-resolve.js'
import { nodeIdProblem } from './node-id.js'
import type { NodeInfo } from './node-info.js'

/** Largest encoded NodeInfo a peer may send in the handshake, in bytes (Go `maxNodeInfoSize`). */
export const MAX_NODE_INFO_SIZE = 10240
/** Most channels a NodeInfo may list (Go `maxNumChannels`). */
export const MAX_NUM_CHANNELS = 16

/** Go `cmtstrings.IsASCIIText`: non-empty, every character in 0x20..0x7e. */
function isAsciiText(s: string): boolean {
  if (s.length === 0) return false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c > 0x7e) return false
  }
  return true
}

/** Printable ASCII and not only spaces (Go: `IsASCIIText(s) && ASCIITrim(s) != ""`). */
function isNonBlankAsciiText(s: string): boolean {
  return isAsciiText(s) && s.trim().length > 0
}

function fail(field: NodeInfoField, message: string, cause?: unknown): never {
  throw new NodeInfoError(field, message, cause === undefined ? undefined : { cause })
}

/**
 * The `listen_addr` check of Go's `Validate`: `NewNetAddressString(IDAddressString(id,
 * listenAddr))`, with Go's messages. Where Go would resolve a host name through DNS we do not
 * (the name comes from an unauthenticated peer, mid-handshake): a name that is a valid DNS name
 * ({@link isDomainName}) is accepted, anything else is refused as Go's resolver refuses it
 * without a query. A failure caused by an invalid ID names the field `id`.
 */
function checkListenAddr(info: NodeInfo): void {
  try {
    const parts = splitIdAddress(info.id, info.listenAddr)
    if (parts.literal === undefined && !isDomainName(parts.host)) {
      fail('listenAddr', `error looking up host (${parts.host}): lookup ${parts.host}: no such host`)
    }
    portOf(parts)
  } catch (err) {
    if (err instanceof NodeInfoError) throw err
    fail(nodeIdProblem(info.id) === undefined ? 'listenAddr' : 'id', (err as NetAddressError).message, err)
  }
}

/**
 * Go `DefaultNodeInfo.Validate`, run on a peer's NodeInfo, checks in Go's order: listen address
 * (see below), version, channels (at most {@link MAX_NUM_CHANNELS}, no duplicates), moniker,
 * `other.txIndex`, `other.rpcAddress`. The network is not checked here (see
 * {@link checkNodeInfoCompatible}). Throws {@link NodeInfoError} naming the field, with Go's text.
 *
 * Synchronous and free of I/O: where Go resolves a listen-address host name through DNS, a
 * syntactically valid DNS name is accepted instead and other names are refused (see
 * {@link isDomainName}); the address is not dialled from here anyway.
 */
export function validateNodeInfo(info: NodeInfo): void {
  checkListenAddr(info)
  if (info.version.length > 0 && !isNonBlankAsciiText(info.version)) {
    fail('version', `info.Version must be valid ASCII text without tabs, but got ${info.version}`)
  }
  if (info.channels.length > MAX_NUM_CHANNELS) {
    fail('channels', `info.Channels is too long (${info.channels.length}). Max is ${MAX_NUM_CHANNELS}`)
  }
  // At most 16 channels: a scan beats a 256-byte table, which V8 would allocate off its heap.
  const channels = info.channels
  for (let i = 1; i < channels.length; i++) {
    const ch = channels[i] as number
    if (channels.lastIndexOf(ch, i - 1) !== -1) fail('channels', `info.Channels contains duplicate channel id ${ch}`)
  }
  if (!isNonBlankAsciiText(info.moniker)) {
    fail('moniker', `info.Moniker must be valid non-empty ASCII text without tabs, but got ${info.moniker}`)
  }
  const { txIndex, rpcAddress } = info.other
  if (txIndex !== '' && txIndex !== 'on' && txIndex !== 'off') {
    fail('txIndex', `info.Other.TxIndex should be either 'on', 'off', or empty string, got '${txIndex}'`)
  }
  if (rpcAddress.length > 0 && !isNonBlankAsciiText(rpcAddress)) {
    fail('rpcAddress', `info.Other.RPCAddress=${rpcAddress} must be valid ASCII text without tabs`)
  }
}

/**
 * Go `NodeInfo.NetAddress()`: the node's ID at its self-reported (unauthenticated) listen
 * address, scheme removed; a host name is resolved. Throws {@link NetAddressError}.
 */
export function nodeInfoAddress(info: NodeInfo, options?: ParseNetAddressOptions): Promise<NetAddress> {
  return parseNetAddress(idAddressString(info.id, info.listenAddr), options)
}

/**
 * {@link nodeInfoAddress} without I/O: a listen address whose host is not an IP literal throws
 * {@link NetAddressError} kind `lookup`.
 */
export function nodeInfoAddressLiteral(info: NodeInfo): NetAddress {
  return literalAddress(splitIdAddress(info.id, info.listenAddr))
}
