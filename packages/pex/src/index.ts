/**
 * @packageDocumentation
 *
 * The CometBFT v0.34 peer-exchange (PEX) reactor on channel 0x00, byte-compatible with Go
 * nodes: it answers `PexRequest`s from the address book, asks peers for addresses when the book
 * needs them, enforces Go's rules (one outstanding request per peer, a minimum interval between
 * requests, no unsolicited answers) and reports misbehaving peers with a typed
 * `MisbehaviourError`. In seed mode it crawls the network through the injected `Dialer`,
 * answers each inbound peer once and hangs up, and (beyond Go) serves only addresses it has seen
 * alive recently.
 *
 * PEX does not decide whom a normal node dials: the peer manager does.
 *
 * @example
 * ```ts
 * import { pex } from '@p2p/pex'
 *
 * const reactor = pex({ ensurePeersPeriodMs: 30_000 })({ addrBook: book, dialer: peerManager })
 * sw.addReactor(reactor) // before sw.start(); the switch calls attach, start and stop
 * ```
 */
import {
  type AddrBook,
  type ComponentLogger,
  type Dialer,
  disabledLogger,
  InvalidArgumentError,
  type Metrics,
  MissingComponentError
} from '@p2p/types'
import type { PexConfig } from './pex-config.js'
import { PexReactor } from './pex-reactor.js'

export { type CrawlOptions, type CrawlRecord, type CrawlResult, crawl } from './crawler.js'
export * from './crawler/index.js'
export { type Freshness, LivenessRecord } from './liveness.js'
export {
  type DecodeOptions,
  decodePexMessage,
  encodePexAddrs,
  encodePexRequest,
  MAX_ADDRESS_SIZE,
  MAX_ADDRS_PER_MESSAGE,
  MAX_PEX_MESSAGE_SIZE,
  netAddressesFromProto,
  PEX_CHANNEL,
  type PexMessage,
  pexMessageType,
  type ProtoNetAddress
} from './messages.js'
export type { PexConfig } from './pex-config.js'
export { PexReactor } from './pex-reactor.js'
export { PeerPexState, RequestClock } from './request-limiter.js'
export { SeedCrawler } from './seed-crawler.js'

/** Options of {@link pex}; every default is Go's unless marked "beyond Go". */
export interface PexInit {
  /** Go `seed_mode`: crawl the network and answer each inbound peer once (default false). */
  seedMode?: boolean
  /** Go `ensurePeersPeriod`: the tick that asks a peer for addresses when the book needs them (default 30 s). */
  ensurePeersPeriodMs?: number
  /**
   * Least time between two requests from one peer, from its third on (default
   * `ensurePeersPeriodMs / 3`, Go's rule). A faster peer is stopped with `pex-request-flood`.
   */
  minReceiveIntervalMs?: number
  /**
   * Least time between two of our requests to one peer, from the third on (default 11 s: Go's
   * 10 s at the default period, plus a second for network jitter, or a third of our own period
   * if that is longer). A Go node disconnects a peer that asks faster.
   */
  minSendIntervalMs?: number
  /** Go `private_peer_ids`: never shared, and addresses learnt from them are not kept. */
  privatePeerIds?: Iterable<string>
  /** Beyond Go: a `PexAddrs` with more addresses is misbehaviour (default 250, Go's selection cap). */
  maxAddrsPerMessage?: number
  /** How long a misbehaving peer's address is banned in the book (default 24 h). */
  banMs?: number
  /** Seed mode: time between crawl rounds (default 30 s). */
  crawlPeriodMs?: number
  /** Seed mode: an address crawled less than this ago is skipped (default 2 min). */
  minTimeBetweenCrawlsMs?: number
  /** Seed mode: after this many failed dials an address is banned instead of dialled (default 16). */
  maxDialAttempts?: number
  /** Seed mode: non-persistent peers are hung up on after this long (default 28 h, as Go's node sets it). */
  seedDisconnectWaitMs?: number
  /** Seed mode: share of never-tried addresses in an answer to an inbound peer (default 30 %). */
  seedBiasTowardsNewPct?: number
  /** Seed mode, beyond Go: a crawl dial is abandoned after this long (default 10 s). */
  crawlDialTimeoutMs?: number
  /**
   * Seed mode, beyond Go: an address is served only if we connected to it within this window,
   * or it was first heard of within this window and `minReporters` peers reported it; never if
   * its last dial failed (default 1 h).
   */
  freshnessWindowMs?: number
  /** Seed mode, beyond Go: distinct reporters that make an unverified address servable (default 2). */
  minReporters?: number
  /** Seed mode, beyond Go: most addresses the liveness record and crawl records hold (default 20,000). */
  maxLivenessEntries?: number
  /** Uniform random numbers in [0, 1) for every random choice (default Math.random). */
  random?: () => number
}

/** What the reactor takes from the node. */
export interface PexComponents {
  addrBook: AddrBook
  /** Dials crawl targets in seed mode (the peer manager); unused otherwise. */
  dialer?: Dialer
  logger?: ComponentLogger
  metrics?: Metrics
}

/** The defaults of {@link PexInit}'s optional fields (times in ms; `minReceiveIntervalMs` and `minSendIntervalMs` derive from the period). */
export const PEX_DEFAULTS = {
  seedMode: false,
  ensurePeersPeriodMs: 30_000,
  maxAddrsPerMessage: 250,
  banMs: 24 * 60 * 60 * 1000,
  crawlPeriodMs: 30_000,
  minTimeBetweenCrawlsMs: 2 * 60 * 1000,
  maxDialAttempts: 16,
  seedDisconnectWaitMs: 28 * 60 * 60 * 1000,
  seedBiasTowardsNewPct: 30,
  crawlDialTimeoutMs: 10_000,
  freshnessWindowMs: 60 * 60 * 1000,
  minReporters: 2,
  maxLivenessEntries: 20_000
} as const

/** Go's receive interval at its default period, plus a second of margin for network jitter. */
const GO_DEFAULT_INTERVAL_WITH_MARGIN_MS = 11_000

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(`pex ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`)
  }
  return value
}

/** Resolves `init` against the defaults; throws `InvalidArgumentError` for a bad value. */
export function resolvePexConfig(init: PexInit = {}): PexConfig {
  const d = PEX_DEFAULTS
  const ensurePeersPeriodMs = positive('ensurePeersPeriodMs', init.ensurePeersPeriodMs ?? d.ensurePeersPeriodMs)
  const bias = init.seedBiasTowardsNewPct ?? d.seedBiasTowardsNewPct
  if (!(bias >= 0 && bias <= 100)) throw new InvalidArgumentError(`pex seedBiasTowardsNewPct must be in 0..100, got ${bias}`)
  const maxAddrs = init.maxAddrsPerMessage ?? d.maxAddrsPerMessage
  if (!Number.isInteger(maxAddrs) || maxAddrs < 1) throw new InvalidArgumentError(`pex maxAddrsPerMessage must be a positive integer, got ${maxAddrs}`)
  return {
    seedMode: init.seedMode ?? d.seedMode,
    ensurePeersPeriodMs,
    minReceiveIntervalMs: positive('minReceiveIntervalMs', init.minReceiveIntervalMs ?? ensurePeersPeriodMs / 3, true),
    minSendIntervalMs: positive(
      'minSendIntervalMs',
      init.minSendIntervalMs ?? Math.max(GO_DEFAULT_INTERVAL_WITH_MARGIN_MS, ensurePeersPeriodMs / 3),
      true
    ),
    privatePeerIds: new Set(init.privatePeerIds ?? []),
    maxAddrsPerMessage: maxAddrs,
    banMs: positive('banMs', init.banMs ?? d.banMs, true),
    crawlPeriodMs: positive('crawlPeriodMs', init.crawlPeriodMs ?? d.crawlPeriodMs),
    minTimeBetweenCrawlsMs: positive('minTimeBetweenCrawlsMs', init.minTimeBetweenCrawlsMs ?? d.minTimeBetweenCrawlsMs, true),
    maxDialAttempts: positive('maxDialAttempts', init.maxDialAttempts ?? d.maxDialAttempts, true),
    seedDisconnectWaitMs: positive('seedDisconnectWaitMs', init.seedDisconnectWaitMs ?? d.seedDisconnectWaitMs, true),
    seedBiasTowardsNewPct: bias,
    crawlDialTimeoutMs: positive('crawlDialTimeoutMs', init.crawlDialTimeoutMs ?? d.crawlDialTimeoutMs),
    freshnessWindowMs: positive('freshnessWindowMs', init.freshnessWindowMs ?? d.freshnessWindowMs),
    minReporters: positive('minReporters', init.minReporters ?? d.minReporters),
    maxLivenessEntries: positive('maxLivenessEntries', init.maxLivenessEntries ?? d.maxLivenessEntries),
    random: init.random ?? Math.random
  }
}

/**
 * Creates the PEX reactor. Add it to the switch before the switch starts. Throws
 * `InvalidArgumentError` for a bad option and `MissingComponentError` when seed mode has no
 * dialer.
 */
export function pex(init: PexInit = {}): (components: PexComponents) => PexReactor {
  const config = resolvePexConfig(init)
  return (components) => {
    const missing: string[] = []
    if (components.addrBook == null) missing.push('addrBook')
    if (config.seedMode && components.dialer == null) missing.push('dialer')
    if (missing.length > 0) throw new MissingComponentError(missing)
    return new PexReactor(
      {
        addrBook: components.addrBook,
        ...(components.dialer !== undefined ? { dialer: components.dialer } : {}),
        log: components.logger?.forComponent('p2p:pex') ?? disabledLogger(),
        ...(components.metrics !== undefined ? { metrics: components.metrics } : {})
      },
      config
    )
  }
}
