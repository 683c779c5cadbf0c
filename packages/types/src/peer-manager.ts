import type { NetAddress } from './net-address.js'
import type { Peer } from './peer.js'
import type { AbortOptions, Startable } from './startable.js'

/** Dials peers on behalf of others (PEX asks it to dial seeds or crawl targets). */
export interface Dialer {
  /** Connects to `addr` and adds the peer to the switch. */
  dial(addr: NetAddress, options?: AbortOptions): Promise<Peer>
  /** True when `addr` (by ID, or by IP unless duplicates are allowed) is being dialled or connected. */
  isDialingOrConnected(addr: NetAddress): boolean
}

/** What a dial strategy knows when asked whom to dial next. */
export interface DialContext {
  /** How many more outbound peers are wanted now. */
  readonly wanted: number
  readonly outbound: number
  readonly inbound: number
  readonly dialing: number
  isDialingOrConnected(addr: NetAddress): boolean
}

/** Decides whom to dial: the swappable half of the peer manager. */
export interface DialStrategy {
  /** Up to `ctx.wanted` addresses to dial now; fewer (or none) is fine. */
  next(ctx: DialContext, options?: AbortOptions): Promise<NetAddress[]>
  /** Told the result of each dial it proposed. */
  onDialResult?(addr: NetAddress, result: 'ok' | Error): void
}

/** Keeps the node connected: dials persistent peers for ever and tops up outbound peers. */
export interface PeerManager extends Startable, Dialer {}
