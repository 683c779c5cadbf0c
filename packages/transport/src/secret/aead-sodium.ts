import { createRequire } from 'node:module'
import { AEAD_KEY_SIZE, AEAD_TAG_SIZE } from './constants.js'
import type { AeadBackend, FrameAead } from './aead.js'
import { offHeapBytes } from './off-heap.js'

/** The two libsodium calls we use (sodium-native's API; it ships no types of its own). */
interface SodiumNative {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array
  ): number
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array
  ): number
}

let loaded: SodiumNative | null | undefined

/**
 * sodium-native (libsodium, prebuilt native addon) when it is installed and loads on this
 * platform; undefined otherwise. It is an optional dependency: nothing breaks without it.
 */
export function loadSodium(): SodiumNative | undefined {
  if (loaded === undefined) {
    try {
      const req = createRequire(import.meta.url)
      const mod = req('sodium-native') as SodiumNative
      loaded = typeof mod.crypto_aead_chacha20poly1305_ietf_encrypt === 'function' ? mod : null
    } catch {
      loaded = null
    }
  }
  return loaded ?? undefined
}

class SodiumAead implements FrameAead {
  // A plain copy: sodium_malloc's guarded pages cost ~1 ms per key (mprotect), more than a
  // whole handshake. Outside V8's heap, since libsodium reads it for every frame (off-heap.ts).
  private readonly key: Uint8Array

  constructor(
    private readonly sodium: SodiumNative,
    key: Uint8Array
  ) {
    this.key = offHeapBytes(AEAD_KEY_SIZE)
    this.key.set(key)
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, dst: Uint8Array, dstOffset: number): void {
    const out = dst.subarray(dstOffset, dstOffset + plaintext.length + AEAD_TAG_SIZE)
    this.sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, null, null, nonce, this.key)
  }

  open(nonce: Uint8Array, sealed: Uint8Array, dst: Uint8Array, dstOffset: number): boolean {
    if (sealed.length < AEAD_TAG_SIZE) return false
    const out = dst.subarray(dstOffset, dstOffset + sealed.length - AEAD_TAG_SIZE)
    try {
      this.sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, sealed, null, nonce, this.key)
      return true
    } catch {
      // libsodium writes nothing on failure, but make sure no partial plaintext lingers.
      out.fill(0)
      return false
    }
  }
}

/** libsodium through sodium-native, or undefined when that package cannot be loaded. */
export function sodiumAead(): AeadBackend | undefined {
  const sodium = loadSodium()
  if (sodium === undefined) return undefined
  return {
    name: 'sodium-native',
    create: (key) => {
      if (key.length !== AEAD_KEY_SIZE) throw new RangeError(`AEAD key must be ${AEAD_KEY_SIZE} bytes`)
      return new SodiumAead(sodium, key)
    }
  }
}
