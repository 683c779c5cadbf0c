import { ConnectionClosedError, type Logger, type Reactor, TimeoutError } from '@p2p/types'
import { settlesWithin } from './deadline.js'
import { peerAddress, typedReason } from './log-line.js'
import type { SwitchMetrics } from './metrics.js'
import type { SwitchPeer } from './peer.js'
import type { MapPeerSet } from './peer-set.js'
import { asError, isThenable } from './util.js'

/** What removing a peer needs from the switch. */
export interface PeerRemovalContext {
  reactors(): readonly Reactor[]
  readonly peers: MapPeerSet<SwitchPeer>
  readonly removePeerTimeoutMs: number
  readonly metrics: SwitchMetrics | undefined
  readonly log: Logger
  /** Peers in the set whose reactors' `addPeer` is running. */
  readonly adding: ReadonlySet<SwitchPeer>
  /** Hands a promise to what `stop()` waits for. */
  track(p: Promise<unknown>): void
  /** Emits `peer:remove`. */
  announce(peer: SwitchPeer, reason: Error | undefined): void
}

/**
 * Removes peers: stop the peer (its signal aborts, its connection closes, after a flush when
 * asked), every reactor's `removePeer` (an async one awaited, bounded), then out of the set. A
 * peer is removed once; every caller shares the same completion.
 */
export class PeerRemovals {
  readonly #ctx: PeerRemovalContext
  readonly #removals = new Map<SwitchPeer, Promise<void>>()

  constructor(ctx: PeerRemovalContext) {
    this.#ctx = ctx
  }

  remove(peer: SwitchPeer, reason: Error | undefined, flush = false): Promise<void> {
    const existing = this.#removals.get(peer)
    if (existing !== undefined) return existing
    let resolve!: () => void
    const done = new Promise<void>((r) => {
      resolve = r
    })
    this.#removals.set(peer, done)
    this.#ctx.track(done)
    this.#run(peer, reason, flush).finally(() => {
      this.#removals.delete(peer)
      resolve()
    })
    return done
  }

  /** The peer's connection closed: a peer in the set is removed, any other one only stopped. */
  connClosed(peer: SwitchPeer, error: Error | undefined): void {
    if (this.#ctx.peers.get(peer.id) === peer) void this.remove(peer, error)
    else void peer.stop(error ?? new ConnectionClosedError())
  }

  async #run(peer: SwitchPeer, reason: Error | undefined, flush: boolean): Promise<void> {
    const ctx = this.#ctx
    const closing = peer.stop(reason, { flush })
    ctx.track(closing)
    // Stopped from inside a reactor's addPeer: let the admission finish and announce the peer.
    if (ctx.adding.has(peer)) await Promise.resolve()
    if (flush) await closing
    for (const r of ctx.reactors()) {
      try {
        const res: unknown = r.removePeer?.(peer, reason)
        // An async removePeer is awaited: the peer stays in the set (so its ID stays taken)
        // until every reactor is done with it (tendermint#3338) — for a bounded time, so one
        // hung reactor cannot hold the ID, or stop(), forever.
        if (isThenable(res)) {
          const ms = ctx.removePeerTimeoutMs
          if (!(await settlesWithin(res, ms))) {
            const err = new TimeoutError('remove-peer', ms, `reactor ${r.name} did not finish removing the peer within ${ms} ms`)
            ctx.log.error('remove peer %s reason=%s', peerAddress(peer.id, peer.socketAddr), typedReason(err))
          }
        }
      } catch (err) {
        ctx.log.error('reactor %s failed to remove peer %s: %s', r.name, peer.id, asError(err).message)
      }
    }
    this.#leave(peer, reason)
  }

  /** The last step of a removal: out of the set, counted, logged, announced. */
  #leave(peer: SwitchPeer, reason: Error | undefined): void {
    const ctx = this.#ctx
    if (!ctx.peers.remove(peer)) return
    ctx.metrics?.peerRemoved(peer.id, peer.outbound)
    ctx.log('peer removed %s %s reason=%s', peerAddress(peer.id, peer.socketAddr), peer.outbound ? 'outbound' : 'inbound', typedReason(reason))
    ctx.announce(peer, reason)
  }
}
