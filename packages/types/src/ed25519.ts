import { createPublicKey, verify } from 'node:crypto'

/**
 * Whether `signature` is a valid ed25519 signature of `message` by the 32-byte `publicKey`,
 * accepting exactly what Go's `crypto/ed25519.Verify` accepts (through OpenSSL: cofactorless,
 * S < L, small-order and non-canonical keys that decode are allowed). Returns false, never
 * throws, on keys or signatures of the wrong length or any malformed input.
 *
 * The one copy shared by the config (node keys) and the transport (the secret handshake, which
 * asks libsodium first and this only when libsodium says no).
 */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false
  try {
    // JWK, not DER: OpenSSL 3's DER decoder costs ~60 µs per key, the JWK import ~5 µs.
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url')
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
    return verify(null, message, key, signature)
  } catch {
    return false
  }
}
