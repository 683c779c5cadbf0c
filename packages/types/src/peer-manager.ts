import type { NetAddress } from './net-address.js'
import type { NodeID } from './node-id.js'
import type { Peer } from './peer.js'
import type { PeerFilter } from './filters.js'
import type { AbortOptions, Startable } from './startable.js'

/** Dials peers on behalf of others (PEX asks it to dial seeds or crawl targets). */
export interface Dialer {
  /**
   * Connects to `addr` and adds the peer to the switch. Rejects with `AlreadyConnectedError`
   * when it is being dialled or connected, and with the transport's and switch's errors.
   */
  dial(addr: NetAddress, options?: AbortOptions): Promise<Peer>
  /** True when `addr` (by ID, or by IP unless duplicates are allowed) is being dialled or connected. */
  isDialingOrConnected(addr: NetAddress): boolean
}

/** What a dial strategy knows when asked whom to dial next. */
export interface DialContext {
  /** How many more outbound peers are wanted now (target − outbound − dialling, ≥ 0). */
  readonly wanted: number
  /** The outbound target (Go's `max_num_outbound_peers`). */
  readonly outboundTarget: number
  readonly outbound: number
  readonly inbound: number
  readonly dialing: number
  /** True when `addr` (by ID, or by IP unless duplicates are allowed) is being dialled or connected. */
  isDialingOrConnected(addr: NetAddress): boolean
  /** True when `addr` (its ID or IP) is banned now. */
  isBanned(addr: NetAddress): boolean
  /**
   * The addresses of the outbound peers and of the dials in flight, so a strategy can spread
   * outbound peers across address groups.
   */
  readonly outboundAddresses: readonly NetAddress[]
  /**
   * True when the manager would not dial `addr` now: our own address, a persistent peer (dialled
   * on its own schedule), banned, being dialled or connected, or waiting out its dial back-off.
   * Proposing it wastes a slot of this round.
   */
  isExcluded(addr: NetAddress): boolean
}

/** Decides whom to dial: the swappable half of the peer manager. */
export interface DialStrategy {
  /** Up to `ctx.wanted` addresses to dial now; fewer (or none) is fine. */
  next(ctx: DialContext, options?: AbortOptions): Promise<NetAddress[]>
  /** Told the result of each dial it proposed. */
  onDialResult?(addr: NetAddress, result: 'ok' | Error): void
}

/** What a ban applies to: one node ID, one IP, or a CIDR range. */
export type BanTarget = { readonly id: NodeID } | { readonly ip: string } | { readonly cidr: string }

/** One ban in a {@link BanList}. */
export interface BanEntry {
  /** The ID, IP or CIDR range banned. */
  readonly target: BanTarget
  /** Epoch ms when it ends; `Infinity` for a ban from configuration. */
  readonly until: number
  /** Why, for logs and operators. */
  readonly reason: string
}

/**
 * Who is refused. It is a `PeerFilter`, so the transport and the switch refuse a banned peer
 * at the earliest stage that knows enough (its IP before the secret handshake).
 */
export interface BanList extends PeerFilter {
  /** Bans `target` for `durationMs` (`Infinity`: until the process ends). */
  ban(target: BanTarget, durationMs: number, reason: string): void
  /** Lifts the ban on `target`, if any. */
  unban(target: BanTarget): void
  /** True when the ID or the IP of `addr` is banned now. */
  isBanned(addr: { readonly id?: NodeID; readonly ip?: string }): boolean
  /** The bans in force. */
  list(): BanEntry[]
}

/** Keeps the node connected: dials persistent peers for ever and tops up outbound peers. */
export interface PeerManager extends Startable, Dialer {}
