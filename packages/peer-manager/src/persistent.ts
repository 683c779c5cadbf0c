import type { HostResolver, Logger, NetAddress, Peer, PeerSet } from '@p2p/types'
import { type BackoffOptions, backoffDelay } from './backoff.js'
import { type PeerEntry, resolveEntry } from './peer-list.js'
import { sleep, untilAborted } from './timers.js'

export interface PersistentPeerOptions extends BackoffOptions {
  /** A connection that ends sooner than this counts as a failure, so a flapping peer backs off. */
  flapWindowMs: number
}

export interface PersistentPeerDeps {
  peers(): PeerSet
  dial(addr: NetAddress, signal: AbortSignal): Promise<Peer>
  isSelf(addr: NetAddress): boolean
  resolve: HostResolver | undefined
  now(): number
  random(): number
  log: Logger
}

/**
 * Keeps one persistent peer connected for as long as the node runs (Go gives up after its fixed
 * schedule, tendermint#1401): dial at once, after each loss dial again at once, and after each
 * failure (or a connection shorter than the flap window) wait a capped exponential back-off with
 * jitter. The host name is resolved again before every dial (Go resolves once, tendermint#1521).
 */
export class PersistentPeer {
  private failures = 0
  /** The address last dialled (for logs and tests). */
  lastAddr: NetAddress | undefined
  dials = 0

  constructor(
    readonly entry: PeerEntry,
    private readonly o: PersistentPeerOptions,
    private readonly deps: PersistentPeerDeps
  ) {}

  /** Runs until `signal` fires or the entry turns out to be ourselves. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const existing = this.deps.peers().get(this.entry.id)
      if (existing !== undefined) {
        await this.hold(existing, signal)
        continue
      }
      let addr: NetAddress
      try {
        addr = await resolveEntry(this.entry, this.deps.resolve, signal)
      } catch (err) {
        if (signal.aborted) return
        this.deps.log.error('persistent peer %s: %s', this.entry.text, (err as Error).message)
        await this.pause(signal)
        continue
      }
      if (this.deps.isSelf(addr)) {
        this.deps.log('persistent peer %s is ourselves; not dialling it', this.entry.text)
        return
      }
      this.lastAddr = addr
      this.dials++
      let peer: Peer
      try {
        peer = await this.deps.dial(addr, signal)
      } catch (err) {
        if (signal.aborted) return
        const e = err as Error & { reason?: string; state?: string }
        if (e.name === 'RejectedError' && e.reason === 'self') return
        if (e.name === 'AlreadyConnectedError' && e.state === 'connected') continue
        this.deps.log('persistent peer %s: dial failed: %s', this.entry.text, e.message)
        await this.pause(signal)
        continue
      }
      await this.hold(peer, signal)
    }
  }

  /** Waits while `peer` stays connected; a short connection counts as a failure. */
  private async hold(peer: Peer, signal: AbortSignal): Promise<void> {
    const since = this.deps.now()
    await untilAborted(peer.signal, signal)
    if (signal.aborted) return
    if (this.deps.now() - since < this.o.flapWindowMs) {
      await this.pause(signal)
    } else {
      this.failures = 0
    }
  }

  private async pause(signal: AbortSignal): Promise<void> {
    this.failures++
    try {
      await sleep(backoffDelay(this.failures, this.o, this.deps.random), signal)
    } catch {
      // stopped
    }
  }
}
