import { ConnectionClosedError, type Logger, type Peer, type Reactor, type SwitchAddrBook } from '@p2p/types'
import { peerAddress } from './log-line.js'
import type { SwitchPeer } from './peer.js'
import type { MapPeerSet } from './peer-set.js'
import { type DispatchContext, dispatchMessage } from './reactor-registry.js'
import { asError } from './util.js'

/** What starting an admitted peer needs from the switch (its messages are dispatched with it). */
export interface PeerStartContext extends DispatchContext {
  readonly peers: MapPeerSet<SwitchPeer>
  /** Peers built but not yet in the set (stopPeer on one refuses its admission). */
  readonly pending: Set<SwitchPeer>
  /** Peers in the set whose reactors' `addPeer` is running. */
  readonly adding: Set<SwitchPeer>
  readonly addrBook: SwitchAddrBook | undefined
  /** The peer's connection closed (on its own or because we closed it). */
  connClosed(peer: SwitchPeer, error: Error | undefined): void
  /** Emits `peer:add`. */
  announce(peer: SwitchPeer): void
}

/**
 * Go's order: `initPeer` on every reactor, start the connection, peer set, `addPeer` on every
 * reactor, `markGood` for an outbound peer, `peer:add`. Synchronous, so no message can reach a
 * reactor before its `initPeer`. Throws (and lets the reactors forget the peer) when the peer was
 * stopped or its connection closed before it reached the set.
 */
export function startPeer(peer: SwitchPeer, ctx: PeerStartContext): Peer {
  const reactors = ctx.registry.list()
  ctx.pending.add(peer)
  try {
    const inited: Reactor[] = []
    try {
      for (const r of reactors) {
        r.initPeer?.(peer)
        inited.push(r)
      }
      peer.conn.start(ctx.registry.descriptors(), {
        onReceive: (ch, msg) => dispatchMessage(ctx, peer, ch, msg),
        onClose: (error) => ctx.connClosed(peer, error)
      })
    } catch (err) {
      void peer.stop(asError(err))
      unwind(inited, peer, asError(err), ctx.log)
      throw err
    }
    // Stopped during initPeer or closed at once: refuse, and let the reactors forget it.
    if (peer.stopped) {
      const reason = peer.signal.reason instanceof Error ? peer.signal.reason : new ConnectionClosedError('peer closed during admission')
      unwind(reactors, peer, reason, ctx.log)
      throw reason
    }
    ctx.peers.add(peer)
  } finally {
    ctx.pending.delete(peer)
  }
  ctx.metrics?.peerAdded(peer.outbound)
  ctx.adding.add(peer)
  try {
    for (const r of ctx.registry.list()) {
      if (peer.stopped) break
      try {
        r.addPeer?.(peer)
      } catch (err) {
        ctx.log.error('reactor %s failed to add peer %s: %s', r.name, peer.id, asError(err).message)
        ctx.stopPeer(peer, asError(err))
      }
    }
  } finally {
    ctx.adding.delete(peer)
  }
  if (peer.outbound && !peer.stopped) {
    try {
      ctx.addrBook?.markGood(peer.socketAddr)
    } catch (err) {
      ctx.log.error('address book markGood failed: %s', asError(err).message)
    }
  }
  ctx.log('peer added %s %s', peerAddress(peer.id, peer.socketAddr), peer.outbound ? 'outbound' : 'inbound')
  // Always announced once it was in the set, so every peer:remove follows its peer:add (a
  // removal started meanwhile waits for this, see PeerRemovals).
  ctx.announce(peer)
  return peer
}

/** `removePeer` on `reactors` for a peer that never reached the set. */
function unwind(reactors: readonly Reactor[], peer: SwitchPeer, reason: Error, log: Logger): void {
  for (const r of reactors) {
    try {
      r.removePeer?.(peer, reason)
    } catch (err) {
      log.error('reactor %s failed to remove peer %s: %s', r.name, peer.id, asError(err).message)
    }
  }
}
