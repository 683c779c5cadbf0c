import { type AddrBook, type NetAddress, type NodeInfo, nodeInfoAddressLiteral } from '@p2p/types'
import type { DialHistory } from './dial-history.js'

/** Our own IDs and addresses learnt from "self" rejections; a handful at most. */
const MAX_SELF = 16

/**
 * What the manager knows to be us: our node ID, IDs a dial or an admission found to be
 * ourselves, and the addresses the book holds as ours. None of them is ever dialled.
 */
export class SelfAddresses {
  private readonly ids = new Set<string>()

  constructor(
    private readonly book: AddrBook,
    private readonly history: DialHistory
  ) {}

  /** True when `addr` is us (by ID, or an address the book holds as one of ours). */
  has(addr: NetAddress): boolean {
    return this.ids.has(addr.id) || this.book.isOurAddress(addr)
  }

  /** `addr` turned out to be us: it leaves the book's addresses for its own and is not dialled again. */
  mark(addr: NetAddress): void {
    if (this.ids.size < MAX_SELF) this.ids.add(addr.id)
    this.book.removeAddress(addr)
    this.book.addOurAddress(addr)
    this.history.forget(addr)
  }

  /** Our own listen address never enters the book or a dial (tendermint#3716). */
  learnOurs(info: NodeInfo | undefined): void {
    if (info === undefined) return
    this.ids.add(info.id)
    try {
      this.book.addOurAddress(nodeInfoAddressLiteral(info))
    } catch {
      // a host name or unspecified listen address: the ID check above is enough
    }
  }
}
