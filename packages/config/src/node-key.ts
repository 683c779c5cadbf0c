import { verify as cryptoVerify, createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto'
import { createRequire } from 'node:module'
import { inspect } from 'node:util'
import { InvalidArgumentError, type NodeID, type NodeKey, nodeIdFromPublicKey, verifyEd25519 } from '@p2p/types'

/** Length of an ed25519 seed (the private key as RFC 8032 defines it). */
export const ED25519_SEED_LENGTH = 32
/** Length of an ed25519 public key. */
export const ED25519_PUBLIC_KEY_LENGTH = 32
/** Length of Go's ed25519 private key: seed followed by public key. */
export const GO_ED25519_PRIVATE_KEY_LENGTH = 64

// DER of a PKCS#8 ed25519 private key, up to the 32 seed bytes (RFC 8410, section 7).
const PKCS8_ED25519_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20
])
// DER of an SPKI ed25519 public key is 12 header bytes followed by the 32 key bytes.
const SPKI_ED25519_HEADER_LENGTH = 12

/** The libsodium calls used to sign (sodium-native, an optional dependency). */
interface SodiumSign {
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void
}

function loadSodium(): SodiumSign | undefined {
  try {
    const mod = createRequire(import.meta.url)('sodium-native') as Partial<SodiumSign>
    return typeof mod.crypto_sign_detached === 'function' && typeof mod.crypto_sign_seed_keypair === 'function' ? (mod as SodiumSign) : undefined
  } catch {
    return undefined
  }
}

// A node signs once per connection (the secret handshake's challenge): libsodium takes ≈ 21 µs
// where node:crypto's sign takes ≈ 45 µs. Ed25519 signatures are deterministic, so both give the
// same bytes; node:crypto signs when sodium-native is not installed.
const sodium = loadSodium()
/** libsodium's arguments, in ArrayBuffers of their own outside V8's heap; signing is synchronous. */
const signScratch = { sig: new Uint8Array(new ArrayBuffer(64)), message: new Uint8Array(new ArrayBuffer(64)) }

/**
 * A node's ed25519 identity, signing with libsodium (sodium-native, optional) or `node:crypto`. The seed lives in private fields:
 * `console.log`, `util.inspect` and `JSON.stringify` show only the ID and the public key.
 * Build one with {@link generateNodeKey}, {@link nodeKeyFromSeed} or the file functions.
 */
export class Ed25519NodeKey implements NodeKey {
  readonly id: NodeID
  readonly #publicKey: Uint8Array
  readonly #seed: Uint8Array
  readonly #signingKey: KeyObject
  readonly #verifyingKey: KeyObject
  /** libsodium's secret key (seed || public key), when sodium-native loads. */
  readonly #sodiumSecretKey: Uint8Array | undefined

  /** @throws {@link @p2p/types!InvalidArgumentError | InvalidArgumentError} unless `seed` is 32 bytes */
  constructor(seed: Uint8Array) {
    if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH) {
      throw new InvalidArgumentError(
        `an ed25519 seed is ${ED25519_SEED_LENGTH} bytes, got ${seed instanceof Uint8Array ? seed.length : typeof seed}`
      )
    }
    const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + ED25519_SEED_LENGTH)
    der.set(PKCS8_ED25519_PREFIX)
    der.set(seed, PKCS8_ED25519_PREFIX.length)
    this.#signingKey = createPrivateKey({ key: Buffer.from(der.buffer), format: 'der', type: 'pkcs8' })
    der.fill(0)
    this.#verifyingKey = createPublicKey(this.#signingKey)
    const spki = this.#verifyingKey.export({ format: 'der', type: 'spki' })
    this.#publicKey = new Uint8Array(spki.subarray(SPKI_ED25519_HEADER_LENGTH))
    this.#seed = Uint8Array.from(seed)
    this.id = nodeIdFromPublicKey(this.#publicKey)
    if (sodium !== undefined) {
      const publicKey = new Uint8Array(ED25519_PUBLIC_KEY_LENGTH)
      const secretKey = new Uint8Array(GO_ED25519_PRIVATE_KEY_LENGTH)
      sodium.crypto_sign_seed_keypair(publicKey, secretKey, this.#seed)
      this.#sodiumSecretKey = secretKey
    }
  }

  /** The 32-byte ed25519 public key (a copy: changing it cannot change the key). */
  get publicKey(): Uint8Array {
    return this.#publicKey.slice()
  }

  /** An ed25519 signature (64 bytes) of `message`, as Go's `PrivKey.Sign` produces. */
  sign(message: Uint8Array): Uint8Array {
    const secretKey = this.#sodiumSecretKey
    if (secretKey === undefined || sodium === undefined) return sign(null, message, this.#signingKey)
    // A message small enough to live on V8's heap is copied out first: V8 would otherwise move
    // it (and the signature) out of the heap for the native call, several mallocs each time.
    let m = message
    if (message.length <= signScratch.message.length) {
      signScratch.message.set(message)
      m = signScratch.message.subarray(0, message.length)
    }
    sodium.crypto_sign_detached(signScratch.sig, m, secretKey)
    return signScratch.sig.slice()
  }

  /** Whether `signature` is a valid signature of `message` by this key. */
  verify(message: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== 64) return false
    try {
      return cryptoVerify(null, message, this.#verifyingKey, signature)
    } catch {
      return false
    }
  }

  /**
   * **Secret.** Go's 64-byte private key (seed followed by public key), the bytes stored in
   * node_key.json. A fresh copy each call.
   */
  privateKeyBytes(): Uint8Array {
    const out = new Uint8Array(GO_ED25519_PRIVATE_KEY_LENGTH)
    out.set(this.#seed)
    out.set(this.#publicKey, ED25519_SEED_LENGTH)
    return out
  }

  /** What `JSON.stringify` prints: the ID and the base64 public key, never the seed. */
  toJSON(): { id: NodeID; publicKey: string } {
    return { id: this.id, publicKey: Buffer.from(this.#publicKey).toString('base64') }
  }

  get [Symbol.toStringTag](): string {
    return 'Ed25519NodeKey'
  }

  /** What `util.inspect` and `console.log` show: the ID only, never the seed. */
  [inspect.custom](): string {
    return `Ed25519NodeKey { id: '${this.id}' }`
  }
}

/** Checks an ed25519 signature as Go does; the one shared copy lives in `@p2p/types`. */
export { verifyEd25519 }

/** The node key of a 32-byte ed25519 seed (Go's `ed25519.NewKeyFromSeed`). */
export function nodeKeyFromSeed(seed: Uint8Array): Ed25519NodeKey {
  return new Ed25519NodeKey(seed)
}

/** A new node key from 32 random bytes (Go's `ed25519.GenPrivKey`). */
export function generateNodeKey(): Ed25519NodeKey {
  const seed = randomBytes(ED25519_SEED_LENGTH)
  try {
    return new Ed25519NodeKey(seed)
  } finally {
    seed.fill(0)
  }
}
