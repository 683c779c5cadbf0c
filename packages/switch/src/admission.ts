import {
  isPromiseLike,
  type NodeID,
  type PeerConnection,
  type PeerFilter,
  type RawConnInfo,
  RejectedError,
  type SwitchAddrBook,
  type Logger,
  type NetAddress
} from '@p2p/types'
import { withDeadline } from './deadline.js'

/** What the admission checks need to know about a candidate peer. */
export interface Candidate {
  readonly id: NodeID
  readonly ip: string
  readonly outbound: boolean
  readonly unconditional: boolean
  readonly persistent: boolean
}

/** The limits of the switch (Go `max_num_inbound_peers` / `max_num_outbound_peers`). */
export interface Limits {
  readonly maxInboundPeers: number
  readonly maxOutboundPeers: number
  readonly allowDuplicateIp: boolean
}

/** Peers that count against the limits, plus those in admission right now. */
export interface Occupancy {
  readonly inbound: number
  readonly outbound: number
}

/**
 * The synchronous checks, in Go's order: self, duplicate ID, duplicate IP, then the limit of
 * the peer's direction. Unconditional peers skip the limits; persistent ones skip the outbound
 * limit (Go's `max_num_outbound_peers` is "excluding persistent peers"). Throws `RejectedError`.
 */
export function checkAdmission(
  c: Candidate,
  ourId: NodeID,
  known: (id: NodeID) => boolean,
  knownIp: (ip: string) => boolean,
  occupancy: Occupancy,
  limits: Limits
): void {
  if (c.id === ourId) throw new RejectedError('self', `self ID<${c.id}>`, { id: c.id })
  if (known(c.id)) throw new RejectedError('duplicate-id', `duplicate peer ID<${c.id}>`, { id: c.id })
  if (!limits.allowDuplicateIp && knownIp(c.ip)) {
    throw new RejectedError('duplicate-ip', `duplicate IP<${c.ip}>`, { id: c.id, addr: c.ip })
  }
  if (c.unconditional) return
  if (!c.outbound && occupancy.inbound >= limits.maxInboundPeers) {
    throw new RejectedError('too-many-peers', `already have ${occupancy.inbound} inbound peers (max ${limits.maxInboundPeers})`, { id: c.id })
  }
  if (c.outbound && !c.persistent && occupancy.outbound >= limits.maxOutboundPeers) {
    throw new RejectedError('too-many-peers', `already have ${occupancy.outbound} outbound peers (max ${limits.maxOutboundPeers})`, { id: c.id })
  }
}

/**
 * Asks `filter` about an upgraded connection (the stages a transport may already have asked:
 * the switch asks again for connections it did not make), under one deadline as Go's
 * `filterTimeout`. Refusals become `RejectedError('filtered')`; a filter that throws a
 * `RejectedError` (a ban list: `banned`) is passed through. An answer given at once (a ban
 * list's lookup) needs no deadline: only an answer still pending gets one.
 */
export async function runPeerFilter(filter: PeerFilter | undefined, conn: PeerConnection, timeoutMs: number, signal: AbortSignal): Promise<void> {
  if (filter === undefined || (filter.denyAuthenticated === undefined && filter.denyNodeInfo === undefined)) return
  const remote: RawConnInfo = { remoteIp: conn.remoteAddr.ip, remotePort: conn.remoteAddr.port, outbound: conn.outbound }
  const id = conn.remoteInfo.id
  const failed = (err: unknown): Error =>
    (err as Error)?.name === 'RejectedError' ? (err as Error) : new RejectedError('filtered', `peer filter failed: ${(err as Error)?.message ?? String(err)}`, { id, cause: err })
  const refused = (stage: string): RejectedError => new RejectedError('filtered', `peer ${id} refused by the peer filter${stage}`, { id })
  const stages: ReadonlyArray<readonly [ask: () => boolean | Promise<boolean> | undefined, name: string]> = [
    [() => filter.denyAuthenticated?.(id, remote), ''],
    [() => filter.denyNodeInfo?.(conn.remoteInfo, remote), ' (node info)']
  ]
  for (let i = 0; i < stages.length; i++) {
    const [ask, name] = stages[i] as (typeof stages)[number]
    let answer: boolean | Promise<boolean> | undefined
    try {
      answer = ask()
    } catch (err) {
      throw failed(err)
    }
    if (isPromiseLike(answer)) {
      // From the first answer still pending on, the rest runs under the deadline.
      const first = answer
      return withDeadline('filter', timeoutMs, signal, async () => {
        try {
          if ((await first) === true) throw refused(name)
          for (const [later, laterName] of stages.slice(i + 1)) if ((await later()) === true) throw refused(laterName)
        } catch (err) {
          throw failed(err)
        }
      })
    }
    if (answer === true) throw refused(name)
  }
}

/**
 * A dial that reached ourselves: forget the address and remember it as ours, so it is never
 * picked again (Go's `addOutboundPeerWithConfig` on `ErrRejected.IsSelf`).
 */
export function rememberSelf(book: SwitchAddrBook | undefined, addr: NetAddress, log: Logger): void {
  if (book === undefined) return
  try {
    book.removeAddress(addr)
    book.addOurAddress(addr)
  } catch (err) {
    log.error('address book refused our own address %s: %s', addr.ip, (err as Error).message)
  }
}
