import { AbortError, AlreadyConnectedError, type BanList, type Counter, DialSkippedError, type Gauge, type NetAddress, netAddressString, type Peer } from '@p2p/types'
import type { DialHistory } from './dial-history.js'
import type { DialScheduler } from './dial-scheduler.js'
import type { PeerManagerComponents } from './index.js'
import type { PeerManagerOptions } from './options.js'
import type { SelfAddresses } from './self-address.js'

export interface DialGateDeps {
  history: DialHistory
  self: SelfAddresses
  /** IDs of the configured persistent peers. */
  persistentIds: ReadonlySet<string>
  /** The scheduler of the manager's current run; none before the first start. */
  scheduler(): DialScheduler | undefined
  /** The manager's own signal; none while it is stopped. */
  signal(): AbortSignal | undefined
  /** `cometbft_p2p_peer_manager_dials_total`, by `result`. */
  dials: Counter | undefined
  /** `cometbft_p2p_peer_manager_dials_in_flight`. */
  inFlight: Gauge | undefined
}

/**
 * Every dial the manager makes passes here: Go's checks before it (ourselves, banned,
 * connected or dialling, back-off, attempts), a slot of the scheduler, then the bookkeeping of
 * its outcome in the dial history, the address book and the metrics.
 */
export class DialGate {
  constructor(
    private readonly c: Pick<PeerManagerComponents, 'switch' | 'addrBook'> & { banList: BanList },
    private readonly o: Pick<PeerManagerOptions, 'unconditionalPeerIds' | 'badAddressBanMs' | 'incompatibleBanMs'>,
    private readonly deps: DialGateDeps
  ) {}

  /** An ordinary dial (anchors, the strategy's choice, seeds, `dial()`); `wait` for a free slot or refuse. */
  async dial(addr: NetAddress, signal: AbortSignal | undefined, wait: boolean): Promise<Peer> {
    const scheduler = this.deps.scheduler()
    const own = this.deps.signal()
    if (scheduler === undefined || own === undefined || own.aborted) throw new DialSkippedError('stopped', netAddressString(addr))
    signal?.throwIfAborted()
    const text = netAddressString(addr)
    if (this.deps.self.has(addr)) return this.skip(new DialSkippedError('self', text))
    const persistent = this.deps.persistentIds.has(addr.id)
    const unconditional = this.o.unconditionalPeerIds.has(addr.id)
    if (!persistent && this.c.banList.isBanned(addr)) return this.skip(new DialSkippedError('banned', text))
    if (this.c.switch.peers().has(addr.id)) return this.skip(new AlreadyConnectedError(addr.id, 'connected'))
    if (scheduler.isDialing(addr.id) || this.c.switch.isDialing(addr.id)) return this.skip(new AlreadyConnectedError(addr.id, 'dialing'))
    const verdict = this.deps.history.check(addr, persistent)
    if (!verdict.ok) {
      if (verdict.reason === 'max-attempts') {
        // Go: past maxAttemptsToDial the address is marked bad (24 h); persistent peers never are
        this.c.addrBook.markBad(addr, this.o.badAddressBanMs)
        this.deps.history.forget(addr)
      }
      return this.skip(new DialSkippedError(verdict.reason, text, `dial to ${text} skipped: ${verdict.reason} (attempts: ${verdict.attempts})`))
    }
    return await scheduler.run(addr, (s) => this.dialNow(addr, s, { persistent, unconditional }), {
      signal,
      counted: !unconditional,
      wait
    })
  }

  /** The persistent-peer path: no attempt limit and no ban check, its own back-off. */
  async dialPersistent(addr: NetAddress, signal: AbortSignal): Promise<Peer> {
    const scheduler = this.deps.scheduler()
    if (scheduler === undefined) throw new AbortError()
    const unconditional = this.o.unconditionalPeerIds.has(addr.id)
    return await scheduler.run(addr, (s) => this.dialNow(addr, s, { persistent: true, unconditional }), {
      signal,
      counted: !unconditional,
      wait: true
    })
  }

  private async dialNow(addr: NetAddress, signal: AbortSignal, admit: { persistent: boolean; unconditional: boolean }): Promise<Peer> {
    const { history, dials, inFlight } = this.deps
    history.started(addr)
    inFlight?.set(this.deps.scheduler()?.size ?? 0)
    try {
      const peer = await this.c.switch.dialPeer(addr, { signal, ...admit })
      history.reset(addr)
      dials?.increment(1, { result: 'ok' })
      return peer
    } catch (err) {
      if (!signal.aborted) this.onDialFailure(addr, err as Error, admit.persistent)
      throw err
    } finally {
      inFlight?.set(Math.max(0, (this.deps.scheduler()?.size ?? 1) - 1))
    }
  }

  private skip(err: Error): never {
    this.deps.dials?.increment(1, { result: 'skipped' })
    throw err
  }

  /** Go's dialPeer outcome rules, plus "never again" for other networks and ourselves. */
  private onDialFailure(addr: NetAddress, err: Error, persistent: boolean): void {
    const e = err as Error & { reason?: string; field?: string }
    const book = this.c.addrBook
    if (e.name === 'AlreadyConnectedError' || (e.name === 'RejectedError' && ['duplicate-id', 'duplicate-conn', 'duplicate-ip', 'too-many-peers'].includes(e.reason ?? ''))) {
      // "already dialling or connected", or no room: not the address's fault, not an attempt
      this.deps.dials?.increment(1, { result: 'already' })
      return
    }
    this.deps.dials?.increment(1, { result: 'failed' })
    if (e.name === 'RejectedError' && e.reason === 'self') {
      this.deps.self.mark(addr)
      return
    }
    if (persistent) return
    if (e.name === 'AuthFailureError' || (e.name === 'RejectedError' && e.reason === 'auth-failure')) {
      // the key behind the address is not the ID we were told: the address is wrong
      book.markBad(addr, this.o.badAddressBanMs)
      this.deps.history.forget(addr)
      return
    }
    if ((e.name === 'RejectedError' && e.reason === 'incompatible') || (e.name === 'NodeInfoError' && (e.field === 'network' || e.field === 'protocolVersion'))) {
      // another chain or network never becomes ours: do not redial it for ever (tendermint#6604)
      book.markBad(addr, this.o.incompatibleBanMs)
      this.deps.history.forget(addr)
      return
    }
    book.markAttempt(addr)
    this.deps.history.failed(addr)
  }
}
