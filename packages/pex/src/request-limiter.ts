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
