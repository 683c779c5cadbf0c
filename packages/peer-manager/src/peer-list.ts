import {
  ConfigError,
  formatIp,
  type HostResolver,
  type NetAddress,
  type NetAddressParts,
  type NodeID,
  parseNetAddress,
  portOf,
  splitNetAddress
} from '@p2p/types'

/** One configured peer (`id@host:port`): parsed once, its host resolved again on every dial. */
export interface PeerEntry {
  readonly text: string
  readonly id: NodeID
  readonly parts: NetAddressParts
  readonly port: number
}

/**
 * Parses `persistent_peers` or `seeds` up front, without DNS. An entry that does not parse
 * (no ID, bad ID, bad port, empty host) is a `ConfigError` naming the key and the entry; a
 * host name is checked later, on each dial.
 */
export function parsePeerList(entries: Iterable<string>, key: string): PeerEntry[] {
  const out: PeerEntry[] = []
  const seen = new Set<string>()
  for (const raw of entries) {
    const text = raw.trim()
    if (text === '') continue
    let parts: NetAddressParts
    let port: number
    try {
      parts = splitNetAddress(text)
      port = portOf(parts)
    } catch (err) {
      throw new ConfigError(key, `${key} entry "${text}": ${(err as Error).message}`, { cause: err })
    }
    const id = parts.id.toLowerCase() as NodeID
    if (seen.has(id)) continue
    seen.add(id)
    out.push({ text, id, parts, port })
  }
  return out
}

/** The address of `entry` now: an IP literal as is, a host name resolved again (first answer). */
export async function resolveEntry(entry: PeerEntry, resolve: HostResolver | undefined, signal: AbortSignal): Promise<NetAddress> {
  if (entry.parts.literal !== undefined) return { id: entry.id, ip: formatIp(entry.parts.literal), port: entry.port }
  const opts = resolve === undefined ? { signal } : { resolve, signal }
  const addr = await parseNetAddress(entry.text, opts)
  return { ...addr, id: entry.id }
}
