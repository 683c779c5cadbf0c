import { nodeIdProblem } from '@p2p/types'

/**
 * Syntax checks of the addresses found in `[p2p]`, without DNS. They follow the steps of Go's
 * `NewNetAddressString` (strip the scheme, split `id@`, validate the ID, `net.SplitHostPort`,
 * non-empty host, 16-bit base-10 port) and return Go's error text, or `undefined` when the
 * address is well formed. Name resolution is left to the layer that dials.
 */

/** Go's `removeProtocolIfDefined`: the part between the first and a second `://`. */
export function removeProtocol(addr: string): string {
  return addr.includes('://') ? (addr.split('://')[1] ?? '') : addr
}

/** Go's `net.SplitHostPort`, returning its `AddrError` text on failure. */
export function splitHostPort(hostport: string): { host: string; port: string } | string {
  const fail = (why: string): string => `address ${hostport}: ${why}`
  const i = hostport.lastIndexOf(':')
  if (i < 0) return fail('missing port in address')
  let host: string
  let j = 0
  let k = 0
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']')
    if (end < 0) return fail("missing ']' in address")
    if (end + 1 === hostport.length) return fail('missing port in address')
    if (end + 1 !== i) {
      return fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address')
    }
    host = hostport.slice(1, end)
    j = 1
    k = end + 1
  } else {
    host = hostport.slice(0, i)
    if (host.includes(':')) return fail('too many colons in address')
  }
  if (hostport.slice(j).includes('[')) return fail("unexpected '[' in address")
  if (hostport.slice(k).includes(']')) return fail("unexpected ']' in address")
  return { host, port: hostport.slice(i + 1) }
}

/** Go's `strconv.ParseUint(port, 10, 16)` error text, or `undefined` when `port` is 0..65535. */
export function portProblem(port: string): string | undefined {
  if (!/^[0-9]+$/.test(port)) return `strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`
  if (Number(port) > 0xffff) return `strconv.ParseUint: parsing ${JSON.stringify(port)}: value out of range`
  return undefined
}

/** Checks a `host:port` address with an optional scheme (`laddr`, `external_address`). */
export function hostPortProblem(addr: string): string | undefined {
  const hostport = removeProtocol(addr)
  if (hostport.includes('@')) return `address (${addr}) must not contain an ID`
  const split = splitHostPort(hostport)
  if (typeof split === 'string') return `invalid address (${hostport}): ${split}`
  if (split.host.length === 0) return `invalid address (${hostport}): host is empty`
  const bad = portProblem(split.port)
  return bad === undefined ? undefined : `invalid address (${split.port}): ${bad}`
}

/** Checks an `id@host:port` address with an optional scheme (`seeds`, `persistent_peers`). */
export function peerAddressProblem(addr: string): string | undefined {
  const withoutProtocol = removeProtocol(addr)
  const parts = withoutProtocol.split('@')
  if (parts.length !== 2) return `address (${addr}) does not contain ID`
  const [id = '', hostport = ''] = parts
  const idProblem = nodeIdProblem(id)
  if (idProblem !== undefined) return `invalid address (${withoutProtocol}): ${idProblem}`
  const split = splitHostPort(hostport)
  if (typeof split === 'string') return `invalid address (${hostport}): ${split}`
  if (split.host.length === 0) return `invalid address (${hostport}): host is empty`
  const bad = portProblem(split.port)
  return bad === undefined ? undefined : `invalid address (${split.port}): ${bad}`
}
