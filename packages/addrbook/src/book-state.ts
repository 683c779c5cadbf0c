import type { NetAddress } from '@p2p/types'
import type { BucketHasher } from './bucket-hash.js'
import type { BucketTable } from './bucket-table.js'

/**
 * What the lifecycle (load, save, ban timer), the restore of a saved file, the ban list and
 * `moveToOld` need of the book: a narrow view, so that none imports the book class (no
 * `addrbook → lifecycle → restore → addrbook` import circle).
 */
export interface BookState {
  readonly key: string
  /** Replaced when a loaded file brings its own key. */
  hasher: BucketHasher
  readonly table: BucketTable
  /** When the earliest ban ends (ms), or +Infinity. */
  readonly nextBanEnd: number
  /** Puts back every address whose ban has ended. */
  maybeReinstate(): void
  newBucketFor(addr: NetAddress, src: NetAddress): number
  oldBucketFor(addr: NetAddress): number
}
