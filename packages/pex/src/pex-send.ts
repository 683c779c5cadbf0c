import type { Peer } from '@p2p/types'
import { PEX_CHANNEL } from './messages.js'
import type { PexMessageType, PexMetrics } from './pex-metrics.js'

/**
 * Queues `message` on the PEX channel at once if there is room, else waits (Go's blocking
 * `Send`) until the peer stops; counts it as sent or as a send failure. Resolves with whether it
 * was queued, never rejects.
 */
export function sendPex(peer: Peer, message: Uint8Array, type: PexMessageType, metrics: PexMetrics): Promise<boolean> {
  if (peer.trySend(PEX_CHANNEL, message)) {
    metrics.sent(type)
    return Promise.resolve(true)
  }
  return peer
    .send(PEX_CHANNEL, message, { signal: peer.signal })
    .catch(() => false)
    .then((queued) => {
      if (queued) metrics.sent(type)
      else metrics.sendFailed(type)
      return queued
    })
}
