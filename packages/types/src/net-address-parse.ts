import { NetAddressError } from './address-errors.js'
import { AbortError } from './errors.js'
import { formatIp, IPV4_LENGTH, IPV6_LENGTH, parseIp, parseIpWithZone } from './ip.js'
import type { NetAddress } from './net-address.js'
import { defaultHostResolver, type HostResolver } from './net-address-resolve.js'
import { isNodeId, type NodeID, nodeIdProblem } from './node-id.js'

/** What {@link splitNetAddress} found in an `id@host:port` string, before the host is resolved. */
export interface NetAddressParts {
  readonly id: NodeID
  readonly host: string
  readonly portText: string
  /** The host as an IP when it is an IP literal (an IPv6 zone is dropped, as Go's resolver does). */
  readonly literal: Uint8Array | undefined
}

/**
 * Go's `removeProtocolIfDefined`: the text between the first `://` and the next one (Go takes
 * element 1 of `strings.Split(addr, "://")`), or `addr` unchanged when it has no `://`.
 */
export function removeProtocolIfDefined(addr: string): string {
  const start = addr.indexOf('://')
  if (start === -1) return addr
  const rest = addr.slice(start + 3)
  const next = rest.indexOf('://')
  return next === -1 ? rest : rest.slice(0, next)
}

/** Go's `IDAddressString`: `id@hostPort` with any `scheme://` prefix of `hostPort` removed. */
export function idAddressString(id: string, protocolHostPort: string): string {
  return `${id}@${removeProtocolIfDefined(protocolHostPort)}`
}

const QUOTE_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** Go `strconv.Quote`, close enough for error messages (other control characters as `\xNN`). */
function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    out += QUOTE_ESCAPES[ch] ?? (code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\x${code.toString(16).padStart(2, '0')}` : ch)
  }
  return out + '"'
}

/** Go `net.SplitHostPort`; returns [host, port] or the text of Go's `AddrError`. */
export function splitHostPort(hostport: string): [string, string] | string {
  const fail = (why: string): string => (hostport === '' ? why : `address ${hostport}: ${why}`)
  const colon = hostport.lastIndexOf(':')
  if (colon < 0) return fail('missing port in address')
  let host: string
  let afterOpen = 0
  let afterClose = 0
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']')
    if (close < 0) return fail("missing ']' in address")
    if (close + 1 === hostport.length) return fail('missing port in address')
    if (close + 1 !== colon) {
      return fail(hostport[close + 1] === ':' ? 'too many colons in address' : 'missing port in address')
    }
    host = hostport.slice(1, close)
    afterOpen = 1
    afterClose = close + 1
  } else {
    host = hostport.slice(0, colon)
    if (host.includes(':')) return fail('too many colons in address')
  }
  if (hostport.indexOf('[', afterOpen) >= 0) return fail("unexpected '[' in address")
  if (hostport.indexOf(']', afterClose) >= 0) return fail("unexpected ']' in address")
  return [host, hostport.slice(colon + 1)]
}

/** Go `strconv.ParseUint(text, 10, 16)`; returns the port or the text of Go's `NumError`. */
export function parsePortText(text: string): number | string {
  if (text.length === 0) return `strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`
  let value = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return `strconv.ParseUint: parsing ${goQuote(text)}: invalid syntax`
    value = value * 10 + (c - 0x30)
    if (value > 0xffff) return `strconv.ParseUint: parsing ${goQuote(text)}: value out of range`
  }
  return value
}

/**
 * The steps of Go's `NewNetAddressString` that need no DNS: scheme, `@` split, ID, host:port
 * split, empty host. Throws {@link NetAddressError} kind `no-id` or `invalid` with Go's text.
 */
export function splitNetAddress(s: string): NetAddressParts {
  const withoutProtocol = removeProtocolIfDefined(s)
  const parts = withoutProtocol.split('@')
  if (parts.length !== 2) throw new NetAddressError('no-id', `address (${s}) does not contain ID`)
  const [id, hostPort] = parts as [string, string]
  const idProblem = nodeIdProblem(id)
  if (idProblem !== undefined) throw new NetAddressError('invalid', `invalid address (${withoutProtocol}): ${idProblem}`)
  return hostPortParts(id, hostPort)
}

/**
 * {@link splitNetAddress} of {@link idAddressString}(id, protocolHostPort), as Go's
 * `NodeInfo.NetAddress` and `Validate` build it. A NodeInfo's listen address is split this way
 * for every peer, so when joining and re-splitting cannot change anything (a hex ID, and no `@`
 * or `://` left in the address) the joined string is never built.
 */
export function splitIdAddress(id: string, protocolHostPort: string): NetAddressParts {
  const hostPort = removeProtocolIfDefined(protocolHostPort)
  if (!isNodeId(id) || hostPort.includes('@') || hostPort.includes('://')) return splitNetAddress(`${id}@${hostPort}`)
  return hostPortParts(id, hostPort)
}

/** The host:port half of {@link splitNetAddress}, once the ID is known to be valid. */
function hostPortParts(id: string, hostPort: string): NetAddressParts {
  const split = splitHostPort(hostPort)
  if (typeof split === 'string') throw new NetAddressError('invalid', `invalid address (${hostPort}): ${split}`)
  const [host, portText] = split
  if (host.length === 0) throw new NetAddressError('invalid', `invalid address (${hostPort}): host is empty`)
  return { id: id as NodeID, host, portText, literal: parseIpWithZone(host)?.ip }
}

/** Parses the port text of {@link NetAddressParts}; throws kind `invalid` with Go's text. */
export function portOf(parts: NetAddressParts): number {
  const port = parsePortText(parts.portText)
  if (typeof port === 'string') throw new NetAddressError('invalid', `invalid address (${parts.portText}): ${port}`)
  return port
}

/**
 * Go's `NewNetAddressString` for an address whose host is an IP literal, without any I/O.
 * Accepts `[scheme://]id@host:port`; throws {@link NetAddressError}: `no-id`, `invalid`, or
 * `lookup` when the host is a name (which only {@link parseNetAddress} can resolve).
 */
export function parseNetAddressLiteral(s: string): NetAddress {
  return literalAddress(splitNetAddress(s))
}

/** The address of `parts` when its host is an IP literal (see {@link parseNetAddressLiteral}). */
export function literalAddress(parts: NetAddressParts): NetAddress {
  if (parts.literal === undefined) {
    throw new NetAddressError('lookup', `error looking up host (${parts.host}): not an IP literal and no resolver in a synchronous parse`)
  }
  return { id: parts.id, ip: formatIp(parts.literal), port: portOf(parts) }
}

/** Options of the parsers that may look a host name up. */
export interface ParseNetAddressOptions {
  /** Resolves a host name; defaults to {@link defaultHostResolver}. */
  resolve?: HostResolver
  signal?: AbortSignal
}

/**
 * Go's `NewNetAddressString`: parses `[scheme://]id@host:port`. A host that is not an IP literal
 * is resolved and the first address is used, as in Go (the lookup happens before the port is
 * parsed, also as in Go). Throws {@link NetAddressError} (`no-id`, `invalid`, `lookup`) with
 * Go's message, or {@link AbortError} when `signal` fires.
 */
export async function parseNetAddress(s: string, options: ParseNetAddressOptions = {}): Promise<NetAddress> {
  const parts = splitNetAddress(s)
  let ip = parts.literal
  if (ip === undefined) ip = await resolveHost(parts.host, options)
  return { id: parts.id, ip: formatIp(ip), port: portOf(parts) }
}

/** A function so TypeScript does not narrow `aborted` across awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

async function resolveHost(host: string, options: ParseNetAddressOptions): Promise<Uint8Array> {
  const { signal } = options
  if (isAborted(signal)) throw new AbortError()
  let found: string[]
  try {
    found = await (options.resolve ?? defaultHostResolver)(host, signal === undefined ? {} : { signal })
  } catch (err) {
    if (isAborted(signal)) throw new AbortError(undefined, { cause: err })
    const text = err instanceof Error ? err.message : String(err)
    throw new NetAddressError('lookup', `error looking up host (${host}): ${text}`, { cause: err })
  }
  if (isAborted(signal)) throw new AbortError()
  const first = Array.isArray(found) ? found[0] : undefined
  if (first === undefined) throw new NetAddressError('lookup', `error looking up host (${host}): no such host`)
  const ip = typeof first === 'string' ? parseIpWithZone(first)?.ip : undefined
  if (ip === undefined) {
    throw new NetAddressError('lookup', `error looking up host (${host}): resolver returned a non-IP ${goQuote(String(first))}`)
  }
  return ip
}

/**
 * Go's `NetAddressFromProto`: the IP must parse (no zone) and the port be below 65536; the ID is
 * NOT validated (Go does not either; call {@link netAddressProblem} for that). Throws
 * {@link NetAddressError} kind `invalid-ip` or `invalid-port` with Go's text.
 */
export function netAddressFromProto(p: { id: string; ip: string; port: number }): NetAddress {
  const ip = parseIp(p.ip)
  if (ip === undefined) throw new NetAddressError('invalid-ip', `invalid IP address ${p.ip}`)
  if (!Number.isInteger(p.port) || p.port < 0 || p.port > 0xffff) {
    throw new NetAddressError('invalid-port', `invalid port number ${p.port}`)
  }
  return { id: p.id as NodeID, ip: formatIp(ip), port: p.port }
}

/**
 * Builds a {@link NetAddress} from parts, printing the IP in Go's canonical form (`ip` as text
 * or as 4 or 16 bytes). The ID is not validated. Throws {@link NetAddressError} kind
 * `invalid-ip` or `invalid-port`.
 */
export function createNetAddress(id: string, ip: string | Uint8Array, port: number): NetAddress {
  let bytes: Uint8Array | undefined
  if (typeof ip === 'string') bytes = parseIp(ip)
  else if (ip.length === IPV4_LENGTH || ip.length === IPV6_LENGTH) bytes = ip
  if (bytes === undefined) {
    const shown = typeof ip === 'string' ? ip : `<${ip.length} bytes>`
    throw new NetAddressError('invalid-ip', `invalid IP address ${shown}`)
  }
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new NetAddressError('invalid-port', `invalid port number ${port}`)
  }
  return { id: id as NodeID, ip: formatIp(bytes), port }
}
