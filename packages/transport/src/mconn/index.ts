/**
 * The MConnection of CometBFT v0.34 (`p2p/conn/connection.go`): prioritised channels multiplexed
 * over one {@link ByteStream} (in production, a SecretConnection).
 *
 * @example
 * ```ts
 * const mux = mconnection({ sendRate: 5_120_000, recvRate: 5_120_000 })
 * const conn = mux(secretStream, [{ id: 0x00, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: 64_000 }])
 * conn.start({ onReceive: (ch, msg) => reactor.receive(ch, msg), onClose: (err) => log('closed', err) })
 * await conn.send(0x00, Uint8Array.of(0x0a, 0x00))
 * ```
 */
import type { ChannelDescriptor } from '@p2p/types'
import type { ByteStream } from '../byte-stream.js'
import { MConnectionContext } from './context.js'
import { MConnection } from './mconnection.js'
import type { MConnectionInit } from './options.js'

export { MConnection } from './mconnection.js'
export { MConnectionMetrics } from './metrics.js'
export { CHANNEL_DEFAULTS, MCONNECTION_DEFAULTS, type MConnectionInit } from './options.js'
// The packet codec stays internal (tests import it from its module): only the payload default,
// which a peer's config must match, is public.
export { DEFAULT_MAX_PACKET_MSG_PAYLOAD_SIZE } from './packet-codec.js'

/** Builds MConnections with fixed options: the multiplexer the transport runs after the upgrade. */
export function mconnection(init: MConnectionInit = {}): (stream: ByteStream, channels: readonly ChannelDescriptor[]) => MConnection {
  // Options are resolved and metrics registered once here, not per connection.
  const context = new MConnectionContext(init)
  return (stream, channels) => new MConnection(stream, channels, init, context)
}
