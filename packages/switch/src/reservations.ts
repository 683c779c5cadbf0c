import type { NodeID, PeerCounts, PeerSet } from '@p2p/types'
import type { Candidate, Occupancy } from './admission.js'

/**
 * What the duplicate and limit checks count besides the peer set: IDs being dialled (a dial
 * takes an outbound slot unless the peer is unconditional or persistent) and connections between
 * their first check and the peer set, which reserve their ID, IP and slot before any `await`.
 */
export class Reservations {
  readonly #peers: Pick<PeerSet, 'has' | 'hasIp'>
  /** IDs being dialled; `counts` when the dial takes an outbound slot. */
  readonly #dialing = new Map<NodeID, { counts: boolean }>()
  readonly #admitting = new Map<NodeID, Candidate>()

  constructor(peers: Pick<PeerSet, 'has' | 'hasIp'>) {
    this.#peers = peers
  }

  isDialing(id: NodeID): boolean {
    return this.#dialing.has(id)
  }

  startDial(id: NodeID, counts: boolean): void {
    this.#dialing.set(id, { counts })
  }

  endDial(id: NodeID): void {
    this.#dialing.delete(id)
  }

  /** Dials in flight that take an outbound slot, not counting `own` (a dial that counts itself). */
  dialsAhead(own: boolean): number {
    let n = 0
    for (const d of this.#dialing.values()) if (d.counts) n++
    return own ? n - 1 : n
  }

  isAdmitting(id: NodeID): boolean {
    return this.#admitting.has(id)
  }

  reserve(candidate: Candidate): void {
    this.#admitting.set(candidate.id, candidate)
  }

  release(id: NodeID): void {
    this.#admitting.delete(id)
  }

  /** True when `id` is a peer or being admitted. */
  idTaken(id: NodeID): boolean {
    return this.#peers.has(id) || this.#admitting.has(id)
  }

  /** True when a peer or a connection being admitted has `ip`. */
  ipTaken(ip: string): boolean {
    if (this.#peers.hasIp(ip)) return true
    for (const r of this.#admitting.values()) if (r.ip === ip) return true
    return false
  }

  /** `peers` (those counting against the limits), plus admissions in progress and `extraOutbound` dials. */
  occupancy(peers: PeerCounts, extraOutbound = 0): Occupancy {
    let inbound = peers.inbound
    let outbound = peers.outbound + extraOutbound
    for (const r of this.#admitting.values()) {
      if (r.unconditional) continue
      if (r.outbound) outbound++
      else inbound++
    }
    return { inbound, outbound }
  }
}
