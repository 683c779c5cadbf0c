import { nodeIdProblem, parsePortText, removeProtocolIfDefined, splitHostPort } from '@p2p/types'

/** Go's `SplitHostPort`, non-empty host and 16-bit port checks of `host:port`, as Go words them. */
function splitProblem(hostport: string): string | undefined {
  const split = splitHostPort(hostport)
  if (typeof split === 'string') return `invalid address (${hostport}): ${split}`
  const [host, port] = split
  if (host.length === 0) return `invalid address (${hostport}): host is empty`
  const parsed = parsePortText(port)
  return typeof parsed === 'string' ? `invalid address (${port}): ${parsed}` : undefined
}

/**
 * Syntax checks of the addresses found in `[p2p]`, without DNS. They follow the steps of Go's
 * `NewNetAddressString` (strip the scheme, split `id@`, validate the ID, `net.SplitHostPort`,
 * non-empty host, 16-bit base-10 port) and return Go's error text, or `undefined` when the
 * address is well formed. Name resolution is left to the layer that dials.
 */

/** Checks a `host:port` address with an optional scheme (`laddr`, `external_address`). */
export function hostPortProblem(addr: string): string | undefined {
  const hostport = removeProtocolIfDefined(addr)
  if (hostport.includes('@')) return `address (${addr}) must not contain an ID`
  return splitProblem(hostport)
}

/** Checks an `id@host:port` address with an optional scheme (`seeds`, `persistent_peers`). */
export function peerAddressProblem(addr: string): string | undefined {
  const withoutProtocol = removeProtocolIfDefined(addr)
  const parts = withoutProtocol.split('@')
  if (parts.length !== 2) return `address (${addr}) does not contain ID`
  const [id = '', hostport = ''] = parts
  const idProblem = nodeIdProblem(id)
  if (idProblem !== undefined) return `invalid address (${withoutProtocol}): ${idProblem}`
  return splitProblem(hostport)
}
