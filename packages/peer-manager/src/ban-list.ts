import {
  type BanEntry,
  type BanList,
  type BanTarget,
  ConfigError,
  formatIp,
  ipv4Bytes,
  isNodeId,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  parseIp,
  type RawConnInfo
} from '@p2p/types'

/** Options of {@link banList}. */
export interface BanListInit {
  /** Refused for as long as the process runs: node IDs, IPs and CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`), mixed. */
  banned?: Iterable<string>
  /** Most timed bans kept; past it the one ending soonest is dropped (default 10 000). */
  maxEntries?: number
  /** The clock, epoch ms (default `Date.now`). */
  now?: () => number
}

interface Cidr {
  readonly text: string
  readonly bytes: Uint8Array
  readonly bits: number
}

/** The address bytes compared against a range: 4 for IPv4 (and IPv4-mapped IPv6), else 16. */
function comparable(ip: string): Uint8Array | undefined {
  const b = parseIp(ip)
  if (b === undefined) return undefined
  return ipv4Bytes(b) ?? b
}

/** One text per address, so `::ffff:1.2.3.4` and `1.2.3.4` are the same key. */
function canonicalIp(ip: string): string {
  const b = parseIp(ip)
  return b === undefined ? ip : formatIp(b)
}

function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  if (slash < 0) return undefined
  const bytes = comparable(text.slice(0, slash))
  const bitsText = text.slice(slash + 1)
  if (bytes === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined
  const bits = Number(bitsText)
  if (bits > bytes.length * 8) return undefined
  return { text, bytes, bits }
}

function inCidr(ip: Uint8Array, c: Cidr): boolean {
  if (ip.length !== c.bytes.length) return false
  const full = c.bits >> 3
  for (let i = 0; i < full; i++) if (ip[i] !== c.bytes[i]) return false
  const rest = c.bits & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return (ip[full]! & mask) === (c.bytes[full]! & mask)
}

function keyOf(t: BanTarget): string {
  if ('id' in t) return `id:${t.id.toLowerCase()}`
  if ('ip' in t) return `ip:${canonicalIp(t.ip)}`
  return `cidr:${t.cidr}`
}

/**
 * Parses one entry of a ban list: a node ID, an IP or a CIDR range. Throws `ConfigError`
 * naming the entry.
 */
export function parseBanTarget(entry: string, key = 'banned'): BanTarget {
  const text = entry.trim()
  if (isNodeId(text)) return { id: text.toLowerCase() as NodeID }
  if (text.includes('/')) {
    const c = parseCidr(text)
    if (c !== undefined) return { cidr: text }
  } else {
    const ip = parseIp(text)
    if (ip !== undefined) return { ip: text }
  }
  throw new ConfigError(key, `ban list entry "${entry}" is not a node ID, an IP or a CIDR range`)
}

/**
 * A bounded ban list. Bans from the configuration last for as long as the process runs; timed
 * bans (misbehaviour) expire and are capped in number. As a `PeerFilter` it refuses a banned IP
 * before the secret handshake, a banned ID right after it, and again at the NodeInfo stage.
 */
export class DefaultBanList implements BanList {
  readonly [Symbol.toStringTag] = '@p2p/peer-manager/ban-list'
  private readonly entries = new Map<string, BanEntry>()
  private readonly ranges = new Map<string, Cidr>()
  private readonly maxEntries: number
  private readonly now: () => number
  private timed = 0

  constructor(init: BanListInit = {}) {
    this.maxEntries = init.maxEntries ?? 10_000
    this.now = init.now ?? Date.now
    for (const e of init.banned ?? []) this.ban(parseBanTarget(e), Number.POSITIVE_INFINITY, 'configuration')
  }

  ban(target: BanTarget, durationMs: number, reason: string): void {
    if (!(durationMs > 0)) return
    const key = keyOf(target)
    const until = durationMs === Number.POSITIVE_INFINITY ? durationMs : this.now() + durationMs
    const old = this.entries.get(key)
    // a shorter ban never cuts a longer one
    if (old !== undefined && old.until >= until) return
    if ('cidr' in target) {
      const c = parseCidr(target.cidr)
      if (c === undefined) throw new ConfigError('banned', `"${target.cidr}" is not a CIDR range`)
      this.ranges.set(key, c)
    }
    if (old !== undefined && old.until !== Number.POSITIVE_INFINITY) this.timed--
    this.entries.set(key, { target, until, reason })
    if (until !== Number.POSITIVE_INFINITY) {
      this.timed++
      if (this.timed > this.maxEntries) this.evict()
    }
  }

  unban(target: BanTarget): void {
    const key = keyOf(target)
    const old = this.entries.get(key)
    if (old === undefined) return
    this.entries.delete(key)
    this.ranges.delete(key)
    if (old.until !== Number.POSITIVE_INFINITY) this.timed--
  }

  isBanned(addr: { readonly id?: NodeID | undefined; readonly ip?: string | undefined }): boolean {
    if (this.entries.size === 0) return false
    if (addr.id !== undefined && this.active(`id:${addr.id.toLowerCase()}`)) return true
    if (addr.ip === undefined) return false
    const ip = comparable(addr.ip)
    if (ip === undefined) return false
    if (this.active(`ip:${canonicalIp(addr.ip)}`)) return true
    for (const [key, c] of this.ranges) if (inCidr(ip, c) && this.active(key)) return true
    return false
  }

  list(): BanEntry[] {
    this.prune()
    return [...this.entries.values()]
  }

  denyInboundConnection(remote: RawConnInfo): boolean {
    return this.isBanned({ ip: remote.remoteIp })
  }

  denyOutboundConnection(addr: NetAddress): boolean {
    return this.isBanned(addr)
  }

  denyAuthenticated(id: NodeID, remote: RawConnInfo): boolean {
    return this.isBanned({ id, ip: remote.remoteIp })
  }

  denyNodeInfo(info: NodeInfo, remote: RawConnInfo): boolean {
    return this.isBanned({ id: info.id, ip: remote.remoteIp })
  }

  /** True when `key` is banned now; drops it when its ban has ended. */
  private active(key: string): boolean {
    const e = this.entries.get(key)
    if (e === undefined) return false
    if (e.until > this.now()) return true
    this.unban(e.target)
    return false
  }

  private prune(): void {
    const now = this.now()
    for (const e of [...this.entries.values()]) if (e.until <= now) this.unban(e.target)
  }

  private evict(): void {
    this.prune()
    while (this.timed > this.maxEntries) {
      let soonest: BanEntry | undefined
      for (const e of this.entries.values()) if (e.until !== Number.POSITIVE_INFINITY && (soonest === undefined || e.until < soonest.until)) soonest = e
      if (soonest === undefined) return
      this.unban(soonest.target)
    }
  }
}
