import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { AEAD_KEY_SIZE, AEAD_TAG_SIZE } from './constants.js'

/**
 * ChaCha20-Poly1305 (IETF, no associated data) bound to one key: the seam between the
 * SecretConnection and whatever implements the cipher. Frames are small (1028 bytes), so
 * implementations should avoid per-call allocation where they can.
 */
export interface FrameAead {
  /** Seals `plaintext` under `nonce` into `dst[dstOffset ..+ plaintext.length + 16)`. */
  seal(nonce: Uint8Array, plaintext: Uint8Array, dst: Uint8Array, dstOffset: number): void
  /**
   * Opens `sealed` (ciphertext || tag) under `nonce` into `dst[dstOffset ..+ sealed.length - 16)`.
   * Returns false, leaving no plaintext behind that could be mistaken for data, when the tag
   * does not verify.
   */
  open(nonce: Uint8Array, sealed: Uint8Array, dst: Uint8Array, dstOffset: number): boolean
}

/** Makes {@link FrameAead}s; `name` shows up in benchmarks. */
export interface AeadBackend {
  readonly name: string
  /**
   * A cipher bound to `key`, one of the 32-byte secrets the handshake derives (one per
   * direction). The backend keeps its own copy, so the caller may wipe its buffer.
   * Throws `RangeError` when `key` is not 32 bytes.
   */
  create(key: Uint8Array): FrameAead
}

const ALGORITHM = 'chacha20-poly1305'

class NodeAead implements FrameAead {
  // A KeyObject: as fast as a raw key per createCipheriv (within noise, see the alternatives
  // bench) and the key bytes then live only inside OpenSSL.
  private readonly key: KeyObject

  constructor(key: Uint8Array) {
    this.key = createSecretKey(key)
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, dst: Uint8Array, dstOffset: number): void {
    const cipher = createCipheriv(ALGORITHM, this.key, nonce, { authTagLength: AEAD_TAG_SIZE })
    const body = cipher.update(plaintext)
    const tail = cipher.final()
    dst.set(body, dstOffset)
    if (tail.length > 0) dst.set(tail, dstOffset + body.length)
    dst.set(cipher.getAuthTag(), dstOffset + plaintext.length)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, dst: Uint8Array, dstOffset: number): boolean {
    const n = sealed.length - AEAD_TAG_SIZE
    if (n < 0) return false
    const decipher = createDecipheriv(ALGORITHM, this.key, nonce, { authTagLength: AEAD_TAG_SIZE })
    decipher.setAuthTag(sealed.subarray(n))
    const body = decipher.update(sealed.subarray(0, n))
    try {
      decipher.final()
    } catch {
      return false
    }
    dst.set(body, dstOffset)
    return true
  }
}

class NobleAead implements FrameAead {
  constructor(private readonly key: Uint8Array) {}

  seal(nonce: Uint8Array, plaintext: Uint8Array, dst: Uint8Array, dstOffset: number): void {
    const out = dst.subarray(dstOffset, dstOffset + plaintext.length + AEAD_TAG_SIZE)
    chacha20poly1305(this.key, nonce).encrypt(plaintext, out)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, dst: Uint8Array, dstOffset: number): boolean {
    if (sealed.length < AEAD_TAG_SIZE) return false
    const out = dst.subarray(dstOffset, dstOffset + sealed.length - AEAD_TAG_SIZE)
    try {
      chacha20poly1305(this.key, nonce).decrypt(sealed, out)
      return true
    } catch {
      out.fill(0)
      return false
    }
  }
}

function checkKey(key: Uint8Array): Uint8Array {
  if (key.length !== AEAD_KEY_SIZE) throw new RangeError(`AEAD key must be ${AEAD_KEY_SIZE} bytes`)
  // Own copy: the caller may wipe or reuse its buffer.
  return Uint8Array.from(key)
}

/** `node:crypto` (OpenSSL): one cipher object per frame. */
export const nodeCryptoAead: AeadBackend = {
  name: 'node:crypto',
  create: (key) => new NodeAead(checkKey(key))
}

/** `@noble/ciphers`: pure JavaScript, for runtimes without OpenSSL's ChaCha20-Poly1305. */
export const nobleAead: AeadBackend = {
  name: '@noble/ciphers',
  create: (key) => new NobleAead(checkKey(key))
}
