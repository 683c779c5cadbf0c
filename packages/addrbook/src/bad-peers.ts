import type { NodeID } from '@p2p/types'
import type { BookState } from './book-state.js'
import { BUCKET_TYPE_NEW } from './constants.js'
import type { KnownAddress } from './known-address.js'

/** Most bans remembered at once; past it the ban that ends soonest is forgotten. */
const MAX_BANNED = 20_000

/**
 * The IDs serving a ban (Go's `badPeers`), each with the entry it was removed with so that the
 * entry can return to a new bucket when the ban ends, and when the first ban ends, so that the
 * book looks for ended bans only once one is due.
 */
export class BadPeers {
  private readonly entries = new Map<NodeID, KnownAddress>()
  private expiry = Number.POSITIVE_INFINITY

  /** When the earliest ban ends (epoch ms), or +Infinity. */
  get nextExpiry(): number {
    return this.expiry
  }

  has(id: NodeID): boolean {
    return this.entries.has(id)
  }

  /**
   * Bans `ka`'s ID (not serving a ban yet) for `banMs` from `now`. True when this ban is now the
   * first to end: the ban timer must be re-armed.
   */
  add(ka: KnownAddress, now: number, banMs: number): boolean {
    ka.ban(now, Number.isNaN(banMs) ? 0 : banMs)
    if (this.entries.size >= MAX_BANNED) this.forgetSoonest()
    this.entries.set(ka.id, ka)
    if (ka.lastBanTime >= this.expiry) return false
    this.expiry = ka.lastBanTime
    return true
  }

  /**
   * Go `ReinstateBadPeers`: every entry whose ban is over leaves the list and, unless its ID is in
   * the book again, goes back to a new bucket of `book`. Returns how many went back.
   */
  reinstate(book: Pick<BookState, 'table' | 'newBucketFor'>, now: number): number {
    let reinstated = 0
    let next = Number.POSITIVE_INFINITY
    for (const [id, ka] of this.entries) {
      if (ka.isBanned(now)) {
        next = Math.min(next, ka.lastBanTime)
        continue
      }
      this.entries.delete(id)
      if (book.table.lookup.has(id)) continue
      // Go leaves a banned old entry typed old, so it cannot re-enter a new bucket and is lost.
      ka.bucketType = BUCKET_TYPE_NEW
      ka.clearBuckets()
      book.table.addToNew(ka, book.newBucketFor(ka.addr, ka.src), now)
      reinstated++
    }
    this.expiry = next
    return reinstated
  }

  private forgetSoonest(): void {
    let soonest: KnownAddress | undefined
    for (const ka of this.entries.values()) if (soonest === undefined || ka.lastBanTime < soonest.lastBanTime) soonest = ka
    if (soonest !== undefined) this.entries.delete(soonest.id)
  }
}
