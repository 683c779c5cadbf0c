import { type AddrBook, type Logger, type NetAddress, netAddressProblem, netAddressString, nodeInfoAddressLiteral, type Peer } from '@p2p/types'
import type { LivenessRecord } from './liveness.js'
import { netAddressesFromProto, type ProtoNetAddress } from './messages.js'
import { type MisbehaviourHost, misbehave } from './misbehaviour.js'
import { addrRejectedReason, type PexAddrRejectedReason, type PexMetrics } from './pex-metrics.js'
import type { PeerPexState } from './request-limiter.js'

/** Where the addresses of a solicited answer go. */
export interface AddrsIntake {
  readonly book: AddrBook
  readonly liveness: LivenessRecord
  readonly metrics: PexMetrics
  readonly log: Logger
  readonly privatePeerIds: ReadonlySet<string>
  readonly seedMode: boolean
}

/**
 * Go's `ReceiveAddrs`: a `PexAddrs` from `peer` with an invalid address, or one we did not ask
 * for, is misbehaviour (stopped and banned); a solicited one ends the request and its addresses
 * go to the book with the peer's self-reported address (else its socket's) as their source.
 */
export function receiveAddrs(host: AddrsIntake & MisbehaviourHost, peer: Peer, state: PeerPexState, wire: readonly ProtoNetAddress[]): void {
  const checked = checkAddrs(wire)
  if ('problem' in checked) {
    misbehave(host, peer, state, 'pex-invalid-addr', checked.problem, checked.cause, true)
    return
  }
  if (!state.outstanding) {
    misbehave(host, peer, state, 'pex-unsolicited-addrs', `unsolicited PexAddrs from ${peer.id}`, undefined, true)
    return
  }
  state.outstanding = false
  const src = selfReportedAddress(peer, host.log) ?? peer.socketAddr
  takeAddrs(host, checked.addrs, src, peer.id, host.sw().nodeInfo().id, Date.now())
}

/**
 * The addresses of a `PexAddrs` as Go converts them (`NetAddressesFromProto`), each also valid
 * (an ID, a usable IP); otherwise what is wrong with the first bad one: the peer misbehaved.
 */
export function checkAddrs(wire: readonly ProtoNetAddress[]): { addrs: NetAddress[] } | { problem: string; cause?: unknown } {
  let addrs: NetAddress[]
  try {
    addrs = netAddressesFromProto(wire)
  } catch (err) {
    return { problem: `invalid address in PexAddrs: ${(err as Error).message}`, cause: err }
  }
  for (const a of addrs) {
    const problem = netAddressProblem(a)
    if (problem !== undefined) return { problem: `invalid address ${netAddressString(a)} in PexAddrs: ${problem}` }
  }
  return { addrs }
}

/**
 * Adds a solicited answer's addresses to the book with `src` as their source, skipping ours and
 * private peers' (and everything from a private source), and counts what was taken and why the
 * rest was not. In seed mode each taken address is recorded as reported by `reporter`.
 */
export function takeAddrs(into: AddrsIntake, addrs: readonly NetAddress[], src: NetAddress, reporter: string, ourId: string, now: number): void {
  const { metrics, privatePeerIds } = into
  metrics.addrsReceived(addrs.length)
  if (privatePeerIds.has(src.id)) {
    metrics.addrsRejected(addrs.length, 'private-source')
    return
  }
  let accepted = 0
  for (const a of addrs) {
    // A Go node's answer includes the asker's own address: ours is skipped quietly.
    if (a.id === ourId) {
      metrics.addrsRejected(1, 'ours')
      continue
    }
    if (privatePeerIds.has(a.id)) {
      metrics.addrsRejected(1, 'private')
      continue
    }
    const rejected = addToBook(into.book, into.log, a, src)
    if (rejected !== undefined) {
      metrics.addrsRejected(1, rejected)
      continue
    }
    accepted++
    if (into.seedMode) into.liveness.reported(a, reporter, now)
  }
  metrics.addrsAccepted(accepted)
}

/** Adds `addr` to the book; returns why the book refused it, or undefined when it took it. */
export function addToBook(book: AddrBook, log: Logger, addr: NetAddress, src: NetAddress): PexAddrRejectedReason | undefined {
  try {
    book.addAddress(addr, src)
    return undefined
  } catch (err) {
    // Unroutable, ours, banned, private, a full bucket: logged and skipped, never fatal.
    if (log.enabled) log('address %s not added: %s', netAddressString(addr), (err as Error).message)
    return addrRejectedReason(err)
  }
}

/** The peer's self-reported listen address (Go `NodeInfo.NetAddress`), if it is an IP literal. */
export function selfReportedAddress(peer: Peer, log: Logger): NetAddress | undefined {
  try {
    return nodeInfoAddressLiteral(peer.nodeInfo)
  } catch (err) {
    log('peer %s reports no usable address: %s', peer.id, (err as Error).message)
    return undefined
  }
}
