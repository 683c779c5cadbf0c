/**
 * @packageDocumentation
 *
 * The bucketed address book of CometBFT v0.34 (Go `p2p/pex`), persisted in Go's
 * `addrbook.json` format: a TypeScript node can take over the file of a Go node and the other
 * way round. Addresses are spread over 256 "new" and 64 "old" buckets chosen by a keyed hash of
 * their network group and of the group of the peer that told us, so a single source or network
 * can only ever fill a small share of the book.
 *
 * @example
 * ```ts
 * import { addrBook } from '@p2p/addrbook'
 * import { parseNetAddressLiteral } from '@p2p/types'
 *
 * const book = addrBook({ filePath: 'config/addrbook.json' })({})
 * await book.start() // loads the file, if any; saves every 2 minutes and at stop
 *
 * const src = parseNetAddressLiteral('77bebab3afdfb365390064b0083363f704ae3ecf@8.8.8.8:26656')
 * book.addAddress(parseNetAddressLiteral('5c9f7a296a779681247ea10affc75dbe40e1ed6b@1.2.3.4:26656'), src)
 * const next = book.pickAddress(30) // 30 % biased towards never-tried addresses
 * if (next !== undefined) book.markAttempt(next)
 * await book.stop()
 * ```
 */
import { randomBytes } from 'node:crypto'
import {
  type ComponentLogger,
  disabledLogger,
  InvalidArgumentError,
  type Metrics,
  type Startable
} from '@p2p/types'
import { BucketedAddrBook } from './addrbook.js'
import type { CorruptFilePolicy } from './book-file.js'
import { BOOK_KEY_HEX_LENGTH, DUMP_ADDRESS_INTERVAL_MS, HASH_KEY_BYTES } from './constants.js'

export { BucketedAddrBook } from './addrbook.js'
export type { CorruptFilePolicy } from './book-file.js'
/** Go's `p2p/pex/params.go` (v0.34.35): the geometry and thresholds of the address book. */
export * as constants from './constants.js'
export { groupKey } from './group-key.js'
export { HighwayHash64 } from './highwayhash.js'
export type { KnownAddressInfo } from './known-address.js'

/** Options of {@link addrBook}; every field has Go's default. */
export interface AddrBookInit {
  /** Where addrbook.json lives. Without it the book is not persisted. */
  filePath?: string
  /**
   * Go `addr_book_strict` (default true): refuse non-routable addresses and group all local
   * ones together. Set false on private networks.
   */
  strict?: boolean
  /** Go `private_peer_ids`: addresses with these IDs, or learnt from them, are refused. */
  privateIds?: Iterable<string>
  /** Uniform random numbers in [0, 1) for every choice the book makes (default Math.random). */
  random?: () => number
  /** The clock, epoch milliseconds (default Date.now). */
  now?: () => number
  /**
   * The book key (24 hex characters) a new book starts with; a loaded file's key replaces it.
   * Default: random, as Go.
   */
  key?: string
  /** The 32-byte HighwayHash key. Default random per process and never saved, as Go. */
  hashKey?: Uint8Array
  /** How often the book is saved while it changes (default Go's 2 minutes). */
  saveIntervalMs?: number
  /**
   * When addrbook.json cannot be read at start it is always moved aside; then `'throw'` (the
   * default) makes `start()` reject with a `CorruptFileError`, `'start-empty'` logs and goes on.
   */
  corruptFile?: CorruptFilePolicy
  /** A larger file is treated as corrupt (default 64 MiB; a full Go book is about 15 MiB). */
  maxFileBytes?: number
}

/** What the book takes from the node. */
export interface AddrBookComponents {
  logger?: ComponentLogger
  metrics?: Metrics
}

const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024

/**
 * Creates the bucketed address book. It works at once; `start()` loads the file and starts the
 * periodic save, `stop()` saves a last time and clears every timer.
 */
export function addrBook(init: AddrBookInit = {}): (components: AddrBookComponents) => BucketedAddrBook & Startable {
  if (init.key !== undefined && (typeof init.key !== 'string' || init.key.length === 0 || init.key.length > 256)) {
    throw new InvalidArgumentError('addrBook key must be a non-empty string of at most 256 characters')
  }
  if (init.hashKey !== undefined && init.hashKey.length !== HASH_KEY_BYTES) {
    throw new InvalidArgumentError(`addrBook hashKey must be ${HASH_KEY_BYTES} bytes`)
  }
  const saveIntervalMs = init.saveIntervalMs ?? DUMP_ADDRESS_INTERVAL_MS
  if (!(saveIntervalMs > 0)) throw new InvalidArgumentError('addrBook saveIntervalMs must be positive')
  const maxFileBytes = init.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  if (!(maxFileBytes > 0)) throw new InvalidArgumentError('addrBook maxFileBytes must be positive')
  const privateIds = [...(init.privateIds ?? [])]
  return (components) =>
    new BucketedAddrBook(
      {
        filePath: init.filePath,
        strict: init.strict ?? true,
        privateIds,
        random: init.random ?? Math.random,
        now: init.now ?? (() => Date.now()),
        // a fresh key per book, as Go: two books made by one factory must not share placements
        key: init.key ?? randomBytes(BOOK_KEY_HEX_LENGTH / 2).toString('hex'),
        hashKey: Uint8Array.from(init.hashKey ?? randomBytes(HASH_KEY_BYTES)),
        saveIntervalMs,
        corruptFile: init.corruptFile ?? 'throw',
        maxFileBytes,
        metrics: components.metrics
      },
      components.logger?.forComponent('p2p:addrbook') ?? disabledLogger()
    )
}
