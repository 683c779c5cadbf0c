import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto'

// Raw keys cross into node:crypto as JWK: OpenSSL 3's DER encoder and decoder cost ~50-65 µs
// per key, JWK ~1-5 µs (measured; see BENCHMARKS-secret.md). DER stays for the test-only
// injected private key.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])

/** An ephemeral X25519 key pair; the private half stays a KeyObject. */
export interface EphemeralKeyPair {
  readonly publicKey: Uint8Array
  readonly privateKey: KeyObject
}

function withPrefix(prefix: Uint8Array, raw: Uint8Array): Buffer {
  const der = Buffer.alloc(prefix.length + raw.length)
  der.set(prefix, 0)
  der.set(raw, prefix.length)
  return der
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
  if (privateKey === undefined) {
    const pair = generateKeyPairSync('x25519')
    return { publicKey: rawPublic(pair.publicKey), privateKey: pair.privateKey }
  }
  if (privateKey.length !== 32) throw new RangeError('X25519 private key must be 32 bytes')
  const der = withPrefix(PKCS8_PREFIX, privateKey)
  const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  der.fill(0)
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
