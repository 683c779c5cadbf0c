import type { Peer } from '@p2p/types'
import { encodePexRequest } from './messages.js'
import type { PexMetrics } from './pex-metrics.js'
import { sendPex } from './pex-send.js'

/**
 * Go's rule for how often a peer may send `PexRequest` (`receiveRequest` in
 * `p2p/pex/pex_reactor.go`), measured against a real v0.34 node: the first request only creates
 * the record, the second is let through whatever its timing and starts the clock, and from the
 * third on each must come at least `minIntervalMs` after the one before.
 *
 * The same object, driven from the other side, keeps our own requests to a peer inside the rule
 * a Go node enforces on us.
 */
export class RequestClock {
  #count = 0
  #last = 0

  constructor(readonly minIntervalMs: number) {}

  /** True when a request at `now` is within the rule; it is then recorded. */
  tryRecord(now: number): boolean {
    if (!this.allows(now)) return false
    this.record(now)
    return true
  }

  /** True when a request at `now` would be within the rule. */
  allows(now: number): boolean {
    return this.#count < 2 || now - this.#last >= this.minIntervalMs
  }

  /** Records a request at `now` without checking. */
  record(now: number): void {
    // The first request leaves the time unset (Go stores the zero time), so the second one,
    // however soon, passes and starts the clock.
    if (this.#count > 0) this.#last = now
    if (this.#count < 2) this.#count++
  }

  /** Requests recorded so far, capped at 2 (the rule only distinguishes 0, 1 and more). */
  get count(): number {
    return this.#count
  }

  /** When the clock was last set (0 before the second request). */
  get last(): number {
    return this.#last
  }
}

/** What the reactor keeps per connected peer; dropped when the peer is removed. */
export class PeerPexState {
  /** A `PexRequest` we sent and that is not answered yet. */
  outstanding = false
  /** The seed answered this inbound peer already (it is being disconnected). */
  seedAnswered = false
  /** Set once the peer has been stopped for misbehaviour: later messages are dropped. */
  stopped = false
  /** Requests the peer sent us. */
  readonly received: RequestClock
  /** Requests we sent the peer. */
  readonly sent: RequestClock

  constructor(receiveIntervalMs: number, sendIntervalMs: number) {
    this.received = new RequestClock(receiveIntervalMs)
    this.sent = new RequestClock(sendIntervalMs)
  }
}

/** What asking peers for addresses needs from the reactor. */
export interface RequestHost {
  readonly metrics: PexMetrics
  /** The per-peer state by peer ID; a removed peer's is gone. */
  readonly states: ReadonlyMap<string, PeerPexState>
  /** The peer's state, made on first use. */
  state(peer: Peer): PeerPexState
}

/**
 * Sends `peer` a `PexRequest` unless one is outstanding, the peer was stopped for misbehaviour,
 * or Go's rate rule (which the remote enforces on us) would be broken. True when one was queued.
 */
export function askForAddrs(host: RequestHost, peer: Peer): boolean {
  if (peer.stopped ?? peer.signal.aborted) return false
  const state = host.state(peer)
  if (state.outstanding || state.stopped) {
    host.metrics.requestSkipped(state.stopped ? 'stopped' : 'outstanding')
    return false
  }
  const now = Date.now()
  if (!state.sent.allows(now)) {
    host.metrics.requestSkipped('too-soon')
    return false
  }
  state.outstanding = true
  state.sent.record(now)
  sendPex(peer, encodePexRequest(), 'request', host.metrics).then(
    (queued) => {
      // Not sent: nothing to wait for, so do not block the next request.
      if (!queued && host.states.get(peer.id) === state) state.outstanding = false
    },
    () => {}
  )
  return true
}

/** The peers of `peers` that may be asked at `now`: not stopped, no request outstanding, within the rate rule. */
export function askablePeers(peers: readonly Peer[], states: ReadonlyMap<string, PeerPexState>, now: number): Peer[] {
  return peers.filter((p) => {
    const s = states.get(p.id)
    return !(p.stopped ?? p.signal.aborted) && (s === undefined || (!s.outstanding && !s.stopped && s.sent.allows(now)))
  })
}
