import { type NodeID, type Peer, type PeerSet, RejectedError } from '@p2p/types'

/**
 * The connected peers by ID, with a count of peers per IP so the duplicate-IP check is O(1).
 * Adding an ID that is present throws; callers reserve IDs before they await (see the
 * switch's admission), so two entries with one ID can never exist.
 */
export class MapPeerSet<P extends Peer = Peer> implements PeerSet {
  readonly #byId = new Map<NodeID, P>()
  readonly #byIp = new Map<string, number>()

  get size(): number {
    return this.#byId.size
  }

  has(id: NodeID): boolean {
    return this.#byId.has(id)
  }

  hasIp(ip: string): boolean {
    return this.#byIp.has(ip)
  }

  get(id: NodeID): P | undefined {
    return this.#byId.get(id)
  }

  list(): P[] {
    return [...this.#byId.values()]
  }

  /** Adds `peer`; throws `RejectedError` (duplicate-id) when its ID is present. */
  add(peer: P): void {
    if (this.#byId.has(peer.id)) {
      throw new RejectedError('duplicate-id', `duplicate peer ID<${peer.id}>`, { id: peer.id })
    }
    this.#byId.set(peer.id, peer)
    const ip = peer.socketAddr.ip
    this.#byIp.set(ip, (this.#byIp.get(ip) ?? 0) + 1)
  }

  /** Removes this very peer object; false when it is not in the set (or another peer holds its ID). */
  remove(peer: P): boolean {
    if (this.#byId.get(peer.id) !== peer) return false
    this.#byId.delete(peer.id)
    const ip = peer.socketAddr.ip
    const n = (this.#byIp.get(ip) ?? 1) - 1
    if (n <= 0) this.#byIp.delete(ip)
    else this.#byIp.set(ip, n)
    return true
  }

  /** A read-only view of this set (no `add` / `remove`), as the switch hands it out. */
  readOnlyView(): PeerSet {
    const peers = this as MapPeerSet<P>
    return {
      has: (id) => peers.has(id),
      hasIp: (ip) => peers.hasIp(ip),
      get: (id) => peers.get(id),
      list: () => peers.list(),
      get size() {
        return peers.size
      }
    }
  }
}
