import type { NodeID } from './node-id.js'

/**
 * A node's long-term ed25519 identity. The private key stays inside the implementation:
 * handshakes only need `sign`.
 */
export interface NodeKey {
  readonly id: NodeID
  /** The 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array
  /** An ed25519 signature (64 bytes) of `message`. */
  sign(message: Uint8Array): Uint8Array
}
