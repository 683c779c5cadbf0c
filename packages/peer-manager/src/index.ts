/**
 * @packageDocumentation
 *
 * When and whom to dial. The peer manager keeps persistent peers connected for as long as the
 * node runs, dials its anchors (the last good outbound peers) first at start, and tops up
 * outbound peers to the target every period through a swappable `DialStrategy` (Go's
 * ensure-peers choice by default), with Go's dial back-off, a global cap on dials in flight,
 * seeds only when the book has nothing to dial, and bans from misbehaviour.
 *
 * @example
 * ```ts
 * import { banList, biasedRandomStrategy, peerManager } from '@p2p/peer-manager'
 *
 * const bans = banList({ banned: ['10.66.0.0/16'] })()  // also a PeerFilter for the transport
 * const manager = peerManager({
 *   persistentPeers: ['5c9f7a296a779681247ea10affc75dbe40e1ed6b@validator.example.com:26656'],
 *   seeds: ['77bebab3afdfb365390064b0083363f704ae3ecf@seed.example.com:26656'],
 *   maxOutboundPeers: 10,
 *   anchorsFile: 'data/anchors.json'
 * })({ switch: sw, addrBook: book, banList: bans, dialStrategy: biasedRandomStrategy()({ addrBook: book }) })
 * await manager.start()
 * // ...
 * await manager.stop()
 * ```
 */
import {
  type AddrBook,
  type BanList,
  type ComponentLogger,
  ConfigError,
  type DialStrategy,
  disabledLogger,
  type HostResolver,
  InvalidArgumentError,
  isNodeId,
  type Metrics,
  type SwitchAdmission,
  type SwitchFacade
} from '@p2p/types'
import { DEFAULT_BAN_DURATIONS } from './ban-reasons.js'
import { type BanListInit, DefaultBanList } from './ban-list.js'
import { DefaultPeerManager } from './peer-manager.js'
import { parsePeerList } from './peer-list.js'
import { BiasedRandomStrategy } from './strategies/biased-random.js'

export { readAnchors, writeAnchors } from './anchors.js'
export { banDurationFor, DEFAULT_BAN_DURATIONS } from './ban-reasons.js'
export { type BanListInit, DefaultBanList, parseBanTarget } from './ban-list.js'
export { type BackoffOptions, backoffDelay } from './backoff.js'
export { type AddressGroupFn, defaultAddressGroup } from './groups.js'
export { DefaultPeerManager } from './peer-manager.js'
export { type PeerEntry, parsePeerList } from './peer-list.js'
export {
  BiasedRandomStrategy,
  type BiasedRandomStrategyComponents,
  type BiasedRandomStrategyInit,
  type StrategyBook,
  biasedRandomStrategy,
  newAddressBias
} from './strategies/biased-random.js'

const SECOND = 1000
const HOUR = 3600 * SECOND

/** Options of {@link peerManager}; every field has a default (Go's where Go has one). */
export interface PeerManagerInit {
  /** Go `persistent_peers`: `id@host:port` entries, dialled for as long as the node runs. */
  persistentPeers?: Iterable<string>
  /** Go `seeds`: `id@host:port` entries, dialled only when the book has nothing to dial. */
  seeds?: Iterable<string>
  /** Go `unconditional_peer_ids`: dialled without counting against the outbound target. */
  unconditionalPeerIds?: Iterable<string>
  /** Go `max_num_outbound_peers` (10). */
  maxOutboundPeers?: number
  /** How often outbound peers are topped up (Go's 30 s). */
  ensurePeersPeriodMs?: number
  /** Dials in flight at once, every kind together (default 10). */
  maxDialsInFlight?: number
  /** Dials from `dial()` waiting for a slot; more are refused (default 100). */
  maxQueuedDials?: number
  /** Failed dials after which an address is marked bad (Go 16); persistent peers never are. */
  maxDialAttempts?: number
  /** Back-off after n failed dials of one address: `base · 2^n` + jitter (Go: 1 s, 1 s). */
  dialBackoffBaseMs?: number
  dialBackoffJitterMs?: number
  /** Longest back-off of an ordinary address (default 1 h). */
  dialBackoffMaxMs?: number
  /** One address is not dialled again within this, whatever the outcome (default 2 s, Go's shortest back-off). */
  minRedialIntervalMs?: number
  /** Addresses whose attempts are remembered (default 10 000). */
  maxDialHistory?: number
  /** Ban of an address after too many attempts or a wrong key (Go 24 h). */
  badAddressBanMs?: number
  /** Ban of an address of another network or chain (default 24 h). */
  incompatibleBanMs?: number
  /** Persistent peers: first back-off after a failure (default 1 s). */
  persistentBackoffInitialMs?: number
  /** Persistent peers: longest back-off, Go `persistent_peers_max_dial_period` (default 5 min). */
  persistentBackoffMaxMs?: number
  /** Persistent peers: jitter added to each back-off (Go's 3 s). */
  persistentBackoffJitterMs?: number
  /** A persistent peer that drops us sooner than this after connecting backs off (default 10 s). */
  flapWindowMs?: number
  /** After connecting to a seed, watch the book this long for its addresses (default 10 s). */
  seedFollowUpMs?: number
  /** ... checking every (default 100 ms). */
  seedFollowUpPollMs?: number
  /**
   * Ban durations for peers removed with a fault, by `MisbehaviourError.kind` or error name
   * (merged over {@link DEFAULT_BAN_DURATIONS}; 0 disables one).
   */
  banDurations?: Record<string, number>
  /** Where the anchors live (a small JSON file); without it there are none. */
  anchorsFile?: string
  /** How many anchors (default 2, as Bitcoin Core). */
  maxAnchors?: number
  /** As the switch's `allowDuplicateIp` (default false): one peer per IP. */
  allowDuplicateIp?: boolean
  /** Resolves host names of persistent peers and seeds, on every dial (default the OS resolver). */
  resolve?: HostResolver
  /** The clock, epoch ms (default `Date.now`). */
  now?: () => number
  /** Uniform [0, 1) for jitter and shuffles (default `Math.random`). */
  random?: () => number
}

/** What the manager needs from the node. */
export interface PeerManagerComponents {
  switch: SwitchAdmission & Pick<SwitchFacade, 'peers' | 'numPeers' | 'events'> & Partial<Pick<SwitchFacade, 'nodeInfo'>>
  addrBook: AddrBook
  /** Whom to dial (default {@link biasedRandomStrategy} on `addrBook`). */
  dialStrategy?: DialStrategy
  /** Who is refused (default a fresh {@link banList}; pass the one given to the transport). */
  banList?: BanList
  logger?: ComponentLogger
  metrics?: Metrics
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || (!allowZero && v === 0)) {
    throw new InvalidArgumentError(`peerManager ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`)
  }
  return v
}

/**
 * Creates the peer manager. Throws `ConfigError` (key `persistent_peers`, `seeds` or
 * `unconditional_peer_ids`, naming the entry) for an entry that does not parse, and
 * `InvalidArgumentError` for a bad number. `start()` rejects with `CorruptFileError` for an
 * unreadable anchors file (moved aside first) and `ConfigError` (`seeds`) when no seed resolves
 * and there is nothing else to dial.
 */
export function peerManager(init: PeerManagerInit = {}): (components: PeerManagerComponents) => DefaultPeerManager {
  const persistentPeers = parsePeerList(init.persistentPeers ?? [], 'persistent_peers')
  const seeds = parsePeerList(init.seeds ?? [], 'seeds')
  const unconditional = new Set<string>()
  for (const id of init.unconditionalPeerIds ?? []) {
    if (!isNodeId(id)) throw new ConfigError('unconditional_peer_ids', `unconditional_peer_ids entry "${id}" is not a node ID`)
    unconditional.add(id.toLowerCase())
  }
  const options = {
    persistentPeers,
    seeds,
    unconditionalPeerIds: unconditional,
    maxOutboundPeers: positive('maxOutboundPeers', init.maxOutboundPeers, 10, true),
    ensurePeersPeriodMs: positive('ensurePeersPeriodMs', init.ensurePeersPeriodMs, 30 * SECOND),
    maxDialsInFlight: positive('maxDialsInFlight', init.maxDialsInFlight, 10),
    maxQueuedDials: positive('maxQueuedDials', init.maxQueuedDials, 100, true),
    maxDialAttempts: positive('maxDialAttempts', init.maxDialAttempts, 16),
    dialBackoffBaseMs: positive('dialBackoffBaseMs', init.dialBackoffBaseMs, SECOND, true),
    dialBackoffJitterMs: positive('dialBackoffJitterMs', init.dialBackoffJitterMs, SECOND, true),
    dialBackoffMaxMs: positive('dialBackoffMaxMs', init.dialBackoffMaxMs, HOUR, true),
    minRedialIntervalMs: positive('minRedialIntervalMs', init.minRedialIntervalMs, 2 * SECOND, true),
    maxDialHistory: positive('maxDialHistory', init.maxDialHistory, 10_000),
    badAddressBanMs: positive('badAddressBanMs', init.badAddressBanMs, 24 * HOUR),
    incompatibleBanMs: positive('incompatibleBanMs', init.incompatibleBanMs, 24 * HOUR),
    persistentBackoffInitialMs: positive('persistentBackoffInitialMs', init.persistentBackoffInitialMs, SECOND),
    persistentBackoffMaxMs: positive('persistentBackoffMaxMs', init.persistentBackoffMaxMs, 5 * 60 * SECOND),
    persistentBackoffJitterMs: positive('persistentBackoffJitterMs', init.persistentBackoffJitterMs, 3 * SECOND, true),
    flapWindowMs: positive('flapWindowMs', init.flapWindowMs, 10 * SECOND, true),
    seedFollowUpMs: positive('seedFollowUpMs', init.seedFollowUpMs, 10 * SECOND, true),
    seedFollowUpPollMs: positive('seedFollowUpPollMs', init.seedFollowUpPollMs, 100),
    banDurations: { ...DEFAULT_BAN_DURATIONS, ...init.banDurations },
    anchorsFile: init.anchorsFile,
    maxAnchors: positive('maxAnchors', init.maxAnchors, 2, true),
    allowDuplicateIp: init.allowDuplicateIp ?? false,
    resolve: init.resolve,
    now: init.now ?? (() => Date.now()),
    random: init.random ?? Math.random
  }
  return (c) => {
    const log = c.logger?.forComponent('p2p:peer-manager') ?? disabledLogger()
    const dialStrategy = c.dialStrategy ?? new BiasedRandomStrategy(c.addrBook, { random: options.random })
    const bans = c.banList ?? new DefaultBanList(init.now === undefined ? {} : { now: init.now })
    return new DefaultPeerManager({ ...c, dialStrategy, banList: bans }, options, log)
  }
}

/**
 * Creates a ban list: `banned` entries (node IDs, IPs, CIDR ranges) for as long as the process
 * runs, plus timed bans the peer manager adds for misbehaviour. Throws `ConfigError` naming an
 * entry that does not parse.
 */
export function banList(init: BanListInit = {}): (components?: { logger?: ComponentLogger }) => DefaultBanList {
  // parse up front so a bad entry fails at configuration time
  const list = [...(init.banned ?? [])]
  new DefaultBanList({ ...init, banned: list })
  return () => new DefaultBanList({ ...init, banned: list })
}
