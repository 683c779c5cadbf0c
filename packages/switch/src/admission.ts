import {
  type AbortOptions,
  AbortError,
  type AdmitOptions,
  AlreadyConnectedError,
  isPromiseLike,
  type NodeID,
  type NodeInfo,
  NotStartedError,
  type Peer,
  type PeerConnection,
  type PeerCounts,
  type PeerFilter,
  type RawConnInfo,
  RejectedError,
  type SwitchAddrBook,
  type SwitchEvents,
  type Logger,
  type NetAddress,
  type TypedEventEmitter
} from '@p2p/types'
import { withDeadline } from './deadline.js'
import type { ResolvedSwitchInit, SwitchComponents } from './index.js'
import { peerAddress, typedReason } from './log-line.js'
import type { SwitchMetrics } from './metrics.js'
import { SwitchPeer } from './peer.js'
import { type PeerStartContext, startPeer } from './peer-start.js'
import type { Reservations } from './reservations.js'
import { asError } from './util.js'

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

/** Whether a peer is persistent and unconditional. */
export type AdmitFlags = Pick<Candidate, 'persistent' | 'unconditional'>

/** A peer's flags: asked for by the caller, or given by the switch's lists of IDs. */
export function admitFlags(id: NodeID, options: AdmitOptions, init: ResolvedSwitchInit): AdmitFlags {
  return {
    persistent: options.persistent === true || init.persistentPeerIds.has(id),
    unconditional: options.unconditional === true || init.unconditionalPeerIds.has(id)
  }
}

/** What dialling and admitting peers needs from the switch. */
export interface AdmissionContext {
  readonly components: SwitchComponents
  readonly init: ResolvedSwitchInit
  readonly reservations: Reservations
  readonly metrics: SwitchMetrics | undefined
  readonly starting: PeerStartContext
  readonly log: Logger
  readonly events: TypedEventEmitter<SwitchEvents>
  /** The switch's signal while it runs; undefined when it is not started (or stopping). */
  running(): AbortSignal | undefined
  nodeInfo(): NodeInfo
  numPeers(): PeerCounts
  /** Hands `p` to what `stop()` waits for, and returns it. */
  track<T>(p: Promise<T>): Promise<T>
}

/**
 * Go's `DialPeerWithAddress`: one dial per ID; the checks that need no NodeInfo run before a
 * handshake is spent, then the connection is admitted. A dial that reached ourselves teaches the
 * book our address. Every failure is logged and emitted as `dial:error`.
 */
export async function dialAndAdmit(ctx: AdmissionContext, addr: NetAddress, options: AbortOptions & AdmitOptions): Promise<Peer> {
  const running = ctx.running()
  if (running === undefined) throw new NotStartedError('switch is not started')
  if (options.signal?.aborted === true) throw new AbortError()
  const reservations = ctx.reservations
  if (reservations.isDialing(addr.id)) throw new AlreadyConnectedError(addr.id, 'dialing')
  if (reservations.idTaken(addr.id)) throw new AlreadyConnectedError(addr.id, 'connected')
  const flags = admitFlags(addr.id, options, ctx.init)
  const counts = !flags.unconditional && !flags.persistent
  reservations.startDial(addr.id, counts)
  const run = (async (): Promise<Peer> => {
    try {
      // The checks that do not need the remote's NodeInfo run before we spend a handshake.
      checkAdmission(
        { id: addr.id, ip: addr.ip, outbound: true, ...flags },
        ctx.nodeInfo().id,
        (id) => reservations.idTaken(id),
        (ip) => reservations.ipTaken(ip),
        reservations.occupancy(ctx.numPeers(), reservations.dialsAhead(counts)),
        ctx.init
      )
      const signal = options.signal === undefined ? running : AbortSignal.any([running, options.signal])
      const conn = await withDeadline(
        'dial',
        ctx.init.dialTimeoutMs,
        signal,
        (s) => ctx.components.transport.dial(addr, { signal: s }),
        (late) => void late.close().catch(() => {})
      )
      return await admitConnection(ctx, conn, flags, addr)
    } catch (err) {
      const error = asError(err)
      if (error.name === 'RejectedError' && (error as RejectedError).reason === 'self') rememberSelf(ctx.components.addrBook, addr, ctx.log)
      ctx.log('dial failed %s outbound reason=%s', peerAddress(addr.id, addr), typedReason(error))
      ctx.events.emit('dial:error', { addr, error })
      throw error
    } finally {
      reservations.endDial(addr.id)
    }
  })()
  return ctx.track(run)
}

/**
 * Turns an upgraded connection into a started peer: the admission checks, a reservation of its
 * ID, IP and slot before the first `await`, the peer filter, then {@link startPeer}. On any
 * failure the connection is closed; a refusal (`RejectedError`) is logged and emitted as
 * `peer:rejected`.
 */
export async function admitConnection(ctx: AdmissionContext, conn: PeerConnection, flags: AdmitFlags, dialled: NetAddress | undefined): Promise<Peer> {
  const running = ctx.running()
  const id = conn.remoteInfo.id
  const candidate: Candidate = { id, ip: (dialled ?? conn.remoteAddr).ip, outbound: conn.outbound, ...flags }
  const reservations = ctx.reservations
  let reserved = false
  try {
    if (running === undefined) throw new NotStartedError('switch is not started')
    checkAdmission(candidate, ctx.nodeInfo().id, (i) => reservations.idTaken(i), (ip) => reservations.ipTaken(ip), reservations.occupancy(ctx.numPeers()), ctx.init)
    reservations.reserve(candidate)
    reserved = true
    await runPeerFilter(ctx.components.peerFilter, conn, ctx.init.filterTimeoutMs, running)
    if (running.aborted) throw new AbortError('switch stopped')
    const peer = new SwitchPeer({ conn, ...flags, socketAddr: dialled ?? conn.remoteAddr, metrics: ctx.metrics })
    reservations.release(id)
    reserved = false
    return startPeer(peer, ctx.starting)
  } catch (err) {
    if (reserved) reservations.release(id)
    const error = asError(err)
    await conn.close({ reason: error }).catch(() => {})
    if (error.name === 'RejectedError') {
      ctx.log('peer refused %s %s reason=%s', peerAddress(id, conn.remoteAddr), conn.outbound ? 'outbound' : 'inbound', typedReason(error))
      ctx.events.emit('peer:rejected', { addr: conn.remoteAddr, outbound: conn.outbound, error })
    }
    throw error
  }
}
