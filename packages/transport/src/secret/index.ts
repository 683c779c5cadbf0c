/**
 * The CometBFT v0.34 SecretConnection: station-to-station handshake (X25519, Merlin, HKDF,
 * ed25519) and ChaCha20-Poly1305 framing, byte-compatible with Go.
 *
 * @example
 * ```ts
 * import { connect } from 'node:net'
 * import { secretHandshake } from '@p2p/transport'
 *
 * const socket = connect(26656, '127.0.0.1')
 * const conn = await secretHandshake(socket, nodeKey, { timeoutMs: 3000 })
 * console.log('authenticated', conn.remoteId)
 * conn.start({ onData: (bytes) => console.log(bytes), onEnd: (err) => console.log('end', err) })
 * conn.write(new TextEncoder().encode('hello'))
 * ```
 */
export { type AeadBackend, type FrameAead, nobleAead, nodeCryptoAead } from './aead.js'
export { availableAeads, defaultAead } from './aead-select.js'
export { sodiumAead } from './aead-sodium.js'
export {
  AEAD_TAG_SIZE,
  DATA_MAX_SIZE,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  HANDSHAKE_MAX_MESSAGE_SIZE,
  SEALED_FRAME_SIZE,
  TOTAL_FRAME_SIZE
} from './constants.js'
export { nodeKeyFromSeed } from './ed25519.js'
export { type SecretHandshakeOptions, secretHandshake } from './handshake.js'
export { MerlinTranscript } from './merlin.js'
export { SecretConnection } from './secret-connection.js'
