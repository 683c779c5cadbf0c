import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import { nodeIdFromPublicKey, type NodeKey } from '@p2p/types'

const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

function withPrefix(prefix: Uint8Array, raw: Uint8Array): Buffer {
  const der = Buffer.alloc(prefix.length + raw.length)
  der.set(prefix, 0)
  der.set(raw, prefix.length)
  return der
}

/**
 * Ed25519 verification of `sig` over `message` by the 32-byte `publicKey`, via OpenSSL:
 * cofactorless with S < L, like Go's `crypto/ed25519`. False on any malformed input.
 */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false
  try {
    // JWK, not DER: OpenSSL 3's DER decoder costs ~60 µs, JWK ~5 µs.
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' })
    return verify(null, message, key, sig)
  } catch {
    return false
  }
}

/**
 * A {@link NodeKey} from a 32-byte ed25519 seed (Go's private key is seed || public key).
 * For tests, benchmarks and callers that hold raw seeds; the seed is not kept.
 */
export function nodeKeyFromSeed(seed: Uint8Array): NodeKey {
  if (seed.length !== 32) throw new RangeError('ed25519 seed must be 32 bytes')
  const der = withPrefix(PKCS8_PREFIX, seed)
  const privateKey: KeyObject = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  der.fill(0)
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' })
  const publicKey = new Uint8Array(Buffer.from(x ?? '', 'base64url'))
  return {
    id: nodeIdFromPublicKey(publicKey),
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey))
  }
}
