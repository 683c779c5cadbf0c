import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject, randomBytes } from 'node:crypto'

// Raw keys cross into node:crypto as JWK: OpenSSL 3's DER encoder and decoder cost ~50-65 µs
// per key, JWK ~1-5 µs (measured; see BENCHMARKS-secret.md).
//
// Fresh keys are 32 random bytes imported as a JWK, not `generateKeyPairSync('x25519')`: on
// Node 20.20 a garbage collection during the JWK export of a generated key can deadlock the
// process (the key-generation job's cleanup waits on a lock the export holds; seen in gdb on a
// frozen benchmark). Importing a private key involves no such job, and costs the same.

/** An ephemeral X25519 key pair; the private half stays a KeyObject. */
export interface EphemeralKeyPair {
  readonly publicKey: Uint8Array
  readonly privateKey: KeyObject
}

function rawPublic(key: KeyObject): Uint8Array {
  const { x } = key.export({ format: 'jwk' })
  return new Uint8Array(Buffer.from(x ?? '', 'base64url'))
}

/** The X25519 public key object of 32 raw bytes (any bytes: validity shows in the DH output). */
function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' })
}

/**
 * A fresh key pair, or the one of `privateKey` (32 raw bytes, clamped by X25519 itself as in
 * Go's `nacl/box`; used to replay Go's vectors).
 */
export function generateEphemeralKeyPair(privateKey?: Uint8Array): EphemeralKeyPair {
  const raw = privateKey ?? randomBytes(32)
  if (raw.length !== 32) throw new RangeError('X25519 private key must be 32 bytes')
  // Node requires `x` in a private JWK but derives the public key from `d` (OpenSSL clamps the
  // scalar, as Go's nacl/box does).
  const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(raw).toString('base64url'), x: '' }, format: 'jwk' })
  if (privateKey === undefined) raw.fill(0)
  return { publicKey: rawPublic(createPublicKey(priv)), privateKey: priv }
}

/**
 * X25519(ours, theirs). Returns undefined when the shared secret is all zeros (a low-order
 * remote point), the one case Go's `curve25519.X25519` rejects.
 */
export function computeSharedSecret(ours: KeyObject, theirs: Uint8Array): Uint8Array | undefined {
  if (theirs.length !== 32) return undefined
  let secret: Uint8Array
  try {
    secret = new Uint8Array(diffieHellman({ privateKey: ours, publicKey: publicKeyObject(theirs) }))
  } catch {
    // OpenSSL refuses to derive an all-zero secret; that is the low-order case.
    return undefined
  }
  let acc = 0
  for (let i = 0; i < secret.length; i++) acc |= secret[i] as number
  return acc === 0 ? undefined : secret
}
