import type { SeedCrawlOptions } from './seed-crawler.js'

/** Every option of the reactor, resolved (see `PexInit` for what each means). */
export interface PexConfig {
  seedMode: boolean
  ensurePeersPeriodMs: number
  minReceiveIntervalMs: number
  minSendIntervalMs: number
  privatePeerIds: ReadonlySet<string>
  maxAddrsPerMessage: number
  banMs: number
  crawlPeriodMs: number
  minTimeBetweenCrawlsMs: number
  maxDialAttempts: number
  seedDisconnectWaitMs: number
  seedBiasTowardsNewPct: number
  crawlDialTimeoutMs: number
  freshnessWindowMs: number
  minReporters: number
  maxLivenessEntries: number
  /** Uniform random numbers in [0, 1): peer choice, the first tick's jitter, crawl back-off. */
  random: () => number
}

/** How long a seed remembers a crawled address's dial record. */
const CRAWL_RECORD_TTL_MS = 24 * 60 * 60 * 1000

/** The seed-mode crawler's options, from the reactor's. */
export function seedCrawlOptions(config: PexConfig): SeedCrawlOptions {
  return {
    minTimeBetweenCrawlsMs: config.minTimeBetweenCrawlsMs,
    maxDialAttempts: config.maxDialAttempts,
    banMs: config.banMs,
    seedDisconnectWaitMs: config.seedDisconnectWaitMs,
    crawlDialTimeoutMs: config.crawlDialTimeoutMs,
    maxCrawlRecords: config.maxLivenessEntries,
    crawlRecordTtlMs: CRAWL_RECORD_TTL_MS,
    verifyPerRound: 50
  }
}
