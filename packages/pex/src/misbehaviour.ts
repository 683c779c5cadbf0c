import { type AddrBook, type Logger, MisbehaviourError, type MisbehaviourKind, type Peer, type SwitchFacade } from '@p2p/types'
import type { PexConfig } from './pex-config.js'
import type { PexMetrics } from './pex-metrics.js'
import type { PeerPexState } from './request-limiter.js'

/** What stopping a misbehaving peer needs from the reactor. */
export interface MisbehaviourHost {
  readonly config: Readonly<PexConfig>
  readonly book: AddrBook
  readonly metrics: PexMetrics
  readonly log: Logger
  sw(): SwitchFacade
}

/**
 * Stops `peer` with a `MisbehaviourError` of `kind` and, when `ban`, bans its address in the
 * book for `banMs`. Its state is marked stopped first, so its later messages are dropped.
 */
export function misbehave(host: MisbehaviourHost, peer: Peer, state: PeerPexState, kind: MisbehaviourKind, message: string, cause: unknown, ban: boolean): void {
  state.stopped = true
  host.metrics.misbehaviour(kind)
  host.log('stopping %s: %s', peer.id, message)
  const err = new MisbehaviourError(kind, message, cause === undefined ? undefined : { cause })
  host.sw().stopPeer(peer, err)
  if (ban) host.book.markBad(peer.socketAddr, host.config.banMs)
}
