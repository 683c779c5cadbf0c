/**
 * @packageDocumentation
 *
 * The CometBFT v0.34 transport, byte-compatible with Go nodes: the SecretConnection
 * (X25519 + Merlin + ed25519 handshake, ChaCha20-Poly1305 frames), the MConnection (prioritised
 * channels over one connection), the NodeInfo handshake, and the TCP `Transport` that runs them
 * all (Go's `MultiplexTransport`). An in-memory transport runs the same stack without sockets.
 *
 * @example
 * ```ts
 * import { tcpTransport } from '@p2p/transport'
 *
 * const transport = tcpTransport({ listen: '127.0.0.1:26656' })({ nodeKey, nodeInfo: () => ourInfo })
 * await transport.start()
 * const conn = await transport.dial(peerAddress)          // authenticated, NodeInfo checked
 * conn.start([{ id: 0x20, priority: 5 }], {
 *   onReceive: (channelId, message) => console.log(channelId, message),
 *   onClose: (error) => console.log('closed', error)
 * })
 * await conn.send(0x20, new TextEncoder().encode('hello'))
 * ```
 */
import type { ComponentLogger, Metrics, Transport } from '@p2p/types'
import type { ByteStream } from './byte-stream.js'
import { MemoryTransport, type MemoryTransportComponents, type MemoryTransportInit } from './memory/memory-transport.js'
import { type MConnectionInit, mconnection } from './mconn/index.js'
import type { MultiplexerFactory } from './peer-connection.js'
import { runSecretHandshake } from './secret/handshake.js'
import type { SecretHandshakeOptions } from './secret/index.js'
import type { TcpTransportComponents, TcpTransportInit } from './tcp/options.js'
import { TcpTransport } from './tcp/tcp-transport.js'
import type { SecureUpgrader } from './upgrade.js'

export type { ByteStream, ByteStreamHandlers } from './byte-stream.js'
export * from './mconn/index.js'
export {
  MEMORY_TRANSPORT_DEFAULTS,
  MemoryNetwork,
  MemoryTransport,
  type MemoryTransportComponents,
  type MemoryTransportInit
} from './memory/memory-transport.js'
export { duplexPair } from './memory/duplex-pair.js'
export { decodeNodeInfo, encodeNodeInfo } from './nodeinfo/codec.js'
export { DEFAULT_NODE_INFO_TIMEOUT_MS, exchangeNodeInfo, MAX_NODE_INFO_SIZE } from './nodeinfo/exchange.js'
export {
  AEAD_TAG_SIZE,
  type AeadBackend,
  availableAeads,
  DATA_MAX_SIZE,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  defaultAead,
  type FrameAead,
  HANDSHAKE_MAX_MESSAGE_SIZE,
  nobleAead,
  nodeCryptoAead,
  SEALED_FRAME_SIZE,
  SecretConnection,
  type SecretHandshakeOptions,
  secretHandshake,
  sodiumAead,
  TOTAL_FRAME_SIZE
} from './secret/index.js'
export { HandoverStream } from './stream/handover-stream.js'
export { type IterateOptions, iterateByteStream } from './stream/iterate.js'
export { TCP_TRANSPORT_DEFAULTS, type TcpTransportComponents, type TcpTransportInit } from './tcp/options.js'
export { TcpTransport } from './tcp/tcp-transport.js'
export type { SecureStream, SecureUpgrader, SecureUpgraderOptions } from './upgrade.js'

/** Options shared by both transports for the layers they run. */
export interface StackInit {
  /** MConnection options (rates, flush throttle, ping/pong, payload size); Go's defaults. */
  mconnection?: MConnectionInit
  /** SecretConnection options other than the key (e.g. the AEAD backend). */
  secret?: Omit<SecretHandshakeOptions, 'signal' | 'timeoutMs'>
}

/** The secret handshake and the MConnection factory; connections log under `p2p:mconnection` and record into the transport's metrics. */
function stack(
  init: StackInit,
  logger: ComponentLogger | undefined,
  metrics: Metrics | undefined
): { secure: SecureUpgrader; multiplexer: MultiplexerFactory } {
  const log = init.mconnection?.logger ?? logger?.forComponent('p2p:mconnection')
  // The transport's metrics sink reaches the MConnections too, unless the caller gave them their own.
  const sink = init.mconnection?.metrics ?? metrics
  const mux = mconnection({ ...init.mconnection, ...(log === undefined ? {} : { logger: log }), ...(sink === undefined ? {} : { metrics: sink }) })
  return {
    secure: (socket, key, { firstBytesTimeoutMs, onFirstBytes, earlyData, holdKey, ...options }) =>
      runSecretHandshake(socket, key, { ...init.secret, ...options }, {}, { firstBytesTimeoutMs, onFirstBytes, earlyData, holdKey }),
    multiplexer: (stream: ByteStream, channels) => mux(stream, channels)
  }
}

/** The TCP transport (Go `MultiplexTransport`) with Go's effective defaults. */
export function tcpTransport(init: TcpTransportInit & StackInit = {}): (components: TcpTransportComponents) => Transport {
  const { mconnection: _m, secret: _s, ...tcp } = init
  return (components) => new TcpTransport(components, tcp, stack(init, components.logger, components.metrics))
}

/** An in-memory transport on `init.network`, running the real handshake and MConnection. */
export function memoryTransport(init: MemoryTransportInit & StackInit): (components: MemoryTransportComponents) => Transport {
  const { mconnection: _m, secret: _s, ...memory } = init
  return (components) => {
    const s = stack(init, components.logger, components.metrics)
    return new MemoryTransport(components, memory, s.secure, s.multiplexer)
  }
}
