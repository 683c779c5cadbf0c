import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto'
import { createRequire } from 'node:module'
import { nodeIdFromPublicKey, type NodeKey, verifyEd25519 } from '@p2p/types'
import { nativeArg, offHeapBuffer } from './off-heap.js'

/** The libsodium calls used here (sodium-native, an optional dependency). */
interface SodiumSign {
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean
}

function loadSodium(): SodiumSign | undefined {
  try {
    const mod = createRequire(import.meta.url)('sodium-native') as Partial<SodiumSign>
    return typeof mod.crypto_sign_verify_detached === 'function' && typeof mod.crypto_sign_detached === 'function' ? (mod as SodiumSign) : undefined
  } catch {
    return undefined
  }
}

let sodium: SodiumSign | undefined = loadSodium()

/** @internal Tests and benchmarks: force one backend ('node:crypto' works everywhere). */
export function useEd25519Backend(name: 'sodium-native' | 'node:crypto'): void {
  sodium = name === 'sodium-native' ? loadSodium() : undefined
  if (name === 'sodium-native' && sodium === undefined) throw new Error('sodium-native is not available')
}

// libsodium's arguments, copied outside V8's heap (off-heap.ts); every call is synchronous.
const sigScratch = offHeapBuffer(64)
const messageScratch = offHeapBuffer(64)
const keyScratch = offHeapBuffer(32)

const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

/**
 * Ed25519 verification of `sig` over `message` by the 32-byte `publicKey`, accepting exactly
 * what Go's `crypto/ed25519` accepts. False on any malformed input.
 *
 * libsodium answers first when it loads (≈ 2.5× faster, no key import). It accepts a subset of
 * what Go accepts (it also refuses small-order and non-canonical keys and R), and never more:
 * both check [S]B = R + [k]A cofactorless with a canonical S. So its "yes" is final, and only its
 * "no" is asked again of `verifyEd25519` from `@p2p/types` (OpenSSL), which gives Go's answer on
 * the edge cases.
 */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false
  if (sodium !== undefined) {
    try {
      if (sodium.crypto_sign_verify_detached(nativeArg(sigScratch, sig), nativeArg(messageScratch, message), nativeArg(keyScratch, publicKey))) return true
    } catch {
      // fall through to OpenSSL
    }
  }
  return verifyEd25519(publicKey, message, sig)
}

/**
 * A {@link NodeKey} from a 32-byte ed25519 seed (Go's private key is seed || public key).
 * For tests, benchmarks and callers that hold raw seeds. Signs with libsodium when it loads
 * (≈ 2.3× faster than node:crypto; ed25519 signatures are deterministic, so the bytes are the
 * same), else node:crypto.
 */
export function nodeKeyFromSeed(seed: Uint8Array): NodeKey {
  if (seed.length !== 32) throw new RangeError('ed25519 seed must be 32 bytes')
  const s = sodium
  if (s !== undefined) {
    const publicKey = new Uint8Array(32)
    const secretKey = offHeapBuffer(64)
    s.crypto_sign_seed_keypair(publicKey, secretKey, seed)
    return {
      id: nodeIdFromPublicKey(publicKey),
      publicKey,
      sign: (message) => {
        s.crypto_sign_detached(sigScratch, nativeArg(messageScratch, message), secretKey)
        // A copy small enough for V8's heap: the caller keeps it.
        return sigScratch.slice()
      }
    }
  }
  const der = Buffer.alloc(PKCS8_PREFIX.length + 32)
  der.set(PKCS8_PREFIX, 0)
  der.set(seed, PKCS8_PREFIX.length)
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
