import {
  AbortError,
  type AbortOptions,
  type AddrBook,
  AddrBookError,
  type AddrBookErrorReason,
  type Logger,
  type NetAddress,
  isRoutableIp,
  isValidIp,
  netAddressString,
  nodeIdProblem,
  parseIp,
  type Startable,
  withoutStack
} from '@p2p/types'
import { BadPeers } from './bad-peers.js'
import { BucketHasher } from './bucket-hash.js'
import { BucketTable } from './bucket-table.js'
import { MAX_NEW_BUCKETS_PER_ADDRESS, NEED_ADDRESS_THRESHOLD } from './constants.js'
import { canonicalAddress, withCanonicalIp } from './canonical.js'
import { groupKey, groupKeyOfIp, SourceCache } from './group-key.js'
import { KnownAddress, type KnownAddressInfo, knownAddressInfo } from './known-address.js'
import { BookLifecycle, type ResolvedOptions } from './lifecycle.js'
import { moveToOld } from './move-to-old.js'
import { pickAddress, selectUniform, selectWithBias } from './selection.js'

/** JavaScript callers can pass anything; this keeps a malformed object from reaching the IP parser. */
function isAddressShaped(a: NetAddress): boolean {
  return typeof a === 'object' && typeof a.id === 'string' && typeof a.ip === 'string' && Number.isInteger(a.port)
}

/**
 * The bucketed address book of CometBFT v0.34 (Go `p2p/pex/addrbook.go`): 256 new and 64 old
 * buckets keyed by HighwayHash of network groups, so that no single source or network can fill
 * the book. Synchronous; persistence, the periodic save and ban expiry run while started.
 */
export class BucketedAddrBook implements AddrBook, Startable {
  readonly [Symbol.toStringTag] = '@p2p/addrbook'
  /** @internal */ readonly table = new BucketTable()
  /** @internal */ readonly badPeers = new BadPeers()
  private readonly ourAddrs = new Set<string>()
  private readonly privateIds: Set<string>
  /** @internal */ hasher: BucketHasher
  private readonly strict: boolean
  private readonly random: () => number
  private readonly now: () => number
  private readonly log: Logger
  private readonly lifecycle: BookLifecycle
  private readonly sources: SourceCache

  constructor(options: ResolvedOptions, log: Logger) {
    this.strict = options.strict
    this.random = options.random
    this.now = options.now
    this.log = log
    this.privateIds = new Set(options.privateIds)
    this.hasher = new BucketHasher(options.key, options.hashKey)
    this.lifecycle = new BookLifecycle(this, options, log)
    this.sources = new SourceCache(options.strict)
  }

  /** The 24-hex-character book key saved in addrbook.json. */
  get key(): string {
    return this.hasher.key
  }

  async start(): Promise<void> {
    await this.lifecycle.start()
  }

  async stop(): Promise<void> {
    await this.lifecycle.stop()
  }

  /** Writes addrbook.json now (when the book has a file); concurrent calls are serialised. */
  async save(options?: AbortOptions): Promise<void> {
    if (options?.signal?.aborted === true) throw new AbortError()
    await this.lifecycle.save(options)
  }

  addOurAddress(addr: NetAddress): void {
    const canonical = canonicalAddress(addr)
    const key = netAddressString(canonical)
    this.ourAddrs.add(key)
    // An address learnt before we knew it was ours must not be picked either.
    const ka = this.table.lookup.get(canonical.id)
    if (ka !== undefined && ka.key === key) this.table.removeFromAll(ka)
  }

  isOurAddress(addr: NetAddress): boolean {
    return this.ourAddrs.has(netAddressString(canonicalAddress(addr)))
  }

  /** Go `AddPrivateIDs`: addresses with these IDs, or learnt from them, are refused. */
  addPrivateIds(ids: Iterable<string>): void {
    for (const id of ids) this.privateIds.add(id)
  }

  /**
   * Adds `addr` learnt from `src` to a new bucket; a known ID is only added to a further new
   * bucket with probability 1/(2·buckets), never past 4 buckets, and never when it is old (its
   * address is then kept: a peer cannot move a verified ID to another IP). Throws
   * {@link AddrBookError} with reason `nil`, `invalid`, `banned`, `private`, `self` or
   * `non-routable` (strict mode), in Go's order and with Go's message.
   */
  addAddress(addr: NetAddress, src: NetAddress): void {
    if (addr == null || src == null) {
      const show = (a: NetAddress | null | undefined): string => (a == null ? '<nil-NetAddress>' : netAddressString(a))
      throw this.reject('nil', `Cannot add a nil address. Got (addr, src) = (${show(addr)}, ${show(src)})`)
    }
    if (!isAddressShaped(addr) || !isAddressShaped(src)) {
      throw this.reject('invalid', 'Cannot add invalid address: expected {id: string, ip: string, port: integer} for addr and src')
    }
    this.maybeReinstate()
    // Go's Valid(), with the IP parsed once for validity, canonical text, routability and group
    const idProblem = nodeIdProblem(addr.id)
    const ip = idProblem === undefined && addr.ip !== '' ? parseIp(addr.ip) : undefined
    if (ip === undefined || !isValidIp(ip)) {
      const problem = idProblem !== undefined ? `invalid ID: ${idProblem}` : addr.ip === '' ? 'no IP' : 'invalid IP'
      throw this.reject('invalid', `Cannot add invalid address ${netAddressString(addr)}: ${problem}`)
    }
    const a = withCanonicalIp(addr, ip)
    if (this.badPeers.has(a.id)) throw this.reject('banned', `Address: ${netAddressString(a)} is currently banned`)
    if (this.privateIds.has(a.id)) throw this.reject('private', `Cannot add private peer with address ${netAddressString(a)}`)
    if (this.privateIds.has(src.id)) {
      throw this.reject('private', `Cannot add peer coming from private peer with address ${netAddressString(src)}`)
    }
    if (this.ourAddrs.size > 0 && this.ourAddrs.has(netAddressString(a))) {
      throw this.reject('self', `Cannot add ourselves with address ${netAddressString(a)}`)
    }
    if (this.strict && !isRoutableIp(ip)) throw this.reject('non-routable', `Cannot add non-routable address ${netAddressString(a)}`)

    let ka = this.table.lookup.get(a.id)
    if (ka !== undefined) {
      if (ka.isOld()) return
      if (ka.buckets.length >= MAX_NEW_BUCKETS_PER_ADDRESS) return
      if (this.intn(2 * ka.buckets.length) !== 0) return
    }
    const source = this.sources.of(src)
    ka ??= new KnownAddress(a, source.addr, this.now())
    // `a` is valid and, in strict mode, routable: its group is its IP's group
    const bucket = this.hasher.newBucket(groupKeyOfIp(ip), source.group)
    this.table.addToNew(ka, bucket, this.now())
    this.lifecycle.changed()
  }

  removeAddress(addr: NetAddress): void {
    const ka = this.table.lookup.get(addr.id)
    if (ka === undefined) return
    this.table.removeFromAll(ka)
    this.lifecycle.changed()
  }

  has(addr: NetAddress): boolean {
    this.maybeReinstate()
    return this.table.lookup.has(addr.id)
  }

  /** Go `IsGood`: the entry is in an old bucket (a peer we completed a handshake with). */
  isGood(addr: NetAddress): boolean {
    return this.table.lookup.get(addr.id)?.isOld() === true
  }

  /** Go `IsBanned`: `addr`'s ID is serving a ban. */
  isBanned(addr: NetAddress): boolean {
    this.maybeReinstate()
    return this.badPeers.has(addr.id)
  }

  /** Go `knownAddress.isBad` of `addr`'s entry: it would be expired first from a full new bucket. */
  isBad(addr: NetAddress): boolean {
    return this.table.lookup.get(addr.id)?.isBad(this.now()) === true
  }

  /**
   * Marks `addr`'s ID as a peer we completed a handshake with and moves it to its old bucket. When that
   * bucket is full its least recently tried entry goes back to a new bucket (Go intends this but
   * drops the entry instead, see the README).
   */
  markGood(addr: NetAddress): void {
    const ka = this.table.lookup.get(addr.id)
    if (ka === undefined) return
    ka.markGood(this.now())
    if (ka.isNew() && ka.buckets.length > 0) moveToOld(this, ka, this.now, this.log)
    this.lifecycle.changed()
  }

  markAttempt(addr: NetAddress): void {
    const ka = this.table.lookup.get(addr.id)
    if (ka === undefined) return
    ka.markAttempt(this.now())
    this.lifecycle.changed()
  }

  /**
   * Removes `addr`'s entry and bans its ID for `banMs`: until then it is refused by `addAddress`;
   * afterwards it returns to a new bucket. An address not in the book is not banned (as in Go).
   */
  markBad(addr: NetAddress, banMs: number): void {
    const ka = this.table.lookup.get(addr.id)
    if (ka === undefined) return
    if (!this.badPeers.has(ka.id)) {
      if (this.badPeers.add(ka, this.now(), banMs)) this.lifecycle.banScheduleChanged()
    }
    this.table.removeFromAll(ka)
    this.lifecycle.changed()
  }

  /** Go `ReinstateBadPeers`: every entry whose ban is over goes back to a new bucket. Returns how many. */
  reinstateBadPeers(): number {
    const reinstated = this.badPeers.reinstate(this, this.now())
    if (reinstated > 0) this.lifecycle.changed()
    return reinstated
  }

  /**
   * A random address to dial: from the old or the new set, weighted √nOld·(100−bias) against
   * √nNew·bias, then a random non-empty bucket of that set and a random entry in it. Returns
   * undefined when the chosen set is empty (no fallback, as in Go).
   */
  pickAddress(biasTowardsNewPct: number): NetAddress | undefined {
    this.maybeReinstate()
    return pickAddress(this.table, biasTowardsNewPct, this.random, this.intn)
  }

  /**
   * Addresses to gossip: 23 % of the book (at least 32, at most 250), uniformly at random; with a
   * bias, Go's `GetSelectionWithBias`. An empty book gives an empty array (Go: nil).
   */
  getSelection(biasTowardsNewPct?: number): NetAddress[] {
    if (biasTowardsNewPct !== undefined) return this.getSelectionWithBias(biasTowardsNewPct)
    this.maybeReinstate()
    return selectUniform(this.table, this.intn)
  }

  /** New addresses first (bias % of the selection, more if there are too few old), then old ones. */
  getSelectionWithBias(biasTowardsNewPct: number): NetAddress[] {
    this.maybeReinstate()
    return selectWithBias(this.table, biasTowardsNewPct, this.intn)
  }

  list(): NetAddress[] {
    this.maybeReinstate()
    return Array.from(this.table.lookup.values(), (ka) => ka.addr)
  }

  size(): number {
    this.maybeReinstate()
    return this.table.size
  }

  needMoreAddrs(): boolean {
    return this.size() < NEED_ADDRESS_THRESHOLD
  }

  /** A snapshot of every entry with its buckets and counters. */
  knownAddresses(): KnownAddressInfo[] {
    return Array.from(this.table.lookup.values(), knownAddressInfo)
  }

  /** Go `calcNewBucket(addr, src)` under this book's keys. */
  newBucketFor(addr: NetAddress, src: NetAddress): number {
    return this.hasher.newBucket(groupKey(addr, this.strict), groupKey(src, this.strict))
  }

  /** Go `calcOldBucket(addr)` under this book's keys. */
  oldBucketFor(addr: NetAddress): number {
    return this.hasher.oldBucket(netAddressString(addr), groupKey(addr, this.strict))
  }

  /** @internal Reinstates expired bans when one is due; cheap otherwise. */
  maybeReinstate(): void {
    if (this.badPeers.nextExpiry <= this.now()) this.reinstateBadPeers()
  }

  /** @internal When the next ban ends (epoch ms), or Infinity. */
  get nextBanEnd(): number {
    return this.badPeers.nextExpiry
  }

  /** A uniform integer in [0, n). */
  private readonly intn = (n: number): number => {
    if (n <= 1) return 0
    // clamp: an injected random source may return exactly 1, or misbehave (NaN gives 0)
    const r = Math.floor(this.random() * n)
    return r > 0 ? Math.min(r, n - 1) : 0
  }

  private reject(reason: AddrBookErrorReason, message: string): AddrBookError {
    this.lifecycle.rejected(reason)
    // A refusal is an answer about the address (often a peer's: a self-report of 0.0.0.0, say),
    // not a fault here; a seed refuses one per newcomer, and a stack is most of its cost.
    return withoutStack(() => new AddrBookError(reason, message))
  }
}
