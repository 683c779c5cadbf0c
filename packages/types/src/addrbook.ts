import type { NetAddress } from './net-address.js'
import type { AbortOptions, Startable } from './startable.js'

/**
 * The addresses a node knows, as PEX and the peer manager use them. Synchronous on purpose
 * (it is called from accept and filter paths): a database-backed book keeps an in-memory index
 * and writes in `save`. Every method that takes an address finds the entry by its ID.
 */
export interface AddrBook extends Partial<Startable> {
  /** Remembers one of our own addresses; it is never added or picked. */
  addOurAddress(addr: NetAddress): void
  /** True when `addr` is one of ours (added with `addOurAddress`). */
  isOurAddress(addr: NetAddress): boolean
  /**
   * Adds `addr`, learnt from `src`. Throws `AddrBookError` with reason `self`, `private`,
   * `non-routable`, `banned` or `invalid`; adding a known address again is not an error.
   */
  addAddress(addr: NetAddress, src: NetAddress): void
  /** Forgets `addr`. */
  removeAddress(addr: NetAddress): void
  /** True when the book holds an entry for `addr`'s ID. */
  has(addr: NetAddress): boolean
  /** We connected to `addr`'s ID and completed the handshake: move it to the tried ("old") set. */
  markGood(addr: NetAddress): void
  /** We tried to dial `addr`. */
  markAttempt(addr: NetAddress): void
  /** Bans `addr` for `banMs` milliseconds: it is not picked or selected until then. */
  markBad(addr: NetAddress, banMs: number): void
  /** A random address to dial, `biasTowardsNewPct` (0..100) percent likely from the new set. */
  pickAddress(biasTowardsNewPct: number): NetAddress | undefined
  /**
   * A random selection to gossip. Without bias, uniform over the book; with a bias, that
   * percentage of new addresses (Go's `GetSelectionWithBias`).
   */
  getSelection(biasTowardsNewPct?: number): NetAddress[]
  /** Every address in the book. */
  list(): NetAddress[]
  /** How many addresses the book holds. */
  size(): number
  /** True while the book wants more addresses (Go: fewer than 1000). */
  needMoreAddrs(): boolean
  /** Persists the book, if it persists at all. */
  save(options?: AbortOptions): Promise<void>
}

/** The part of the address book the switch uses. */
export type SwitchAddrBook = Pick<AddrBook, 'markGood' | 'removeAddress' | 'addOurAddress' | 'isOurAddress'>
