import { createPrivateKey, createPublicKey, diffieHellman, randomFillSync } from 'node:crypto'
import { createRequire } from 'node:module'
import { nativeArg, offHeapBytes, offHeapBuffer } from './off-heap.js'

// Two backends with the same results (RFC 7748 X25519, scalar clamped, top bit of u ignored):
// libsodium through sodium-native when it loads (an optional dependency, already used for the
// frames), else node:crypto. libsodium takes raw bytes: keygen ≈ 2.3× and DH ≈ 1.1× faster than
// node:crypto with its key import and export (BENCHMARKS-transport.md §6).
//
// node:crypto fresh keys are 32 random bytes imported as a JWK, never
// `generateKeyPairSync('x25519')`: on Node 20.20 a garbage collection during the JWK export of a
// generated key can deadlock the process (see BENCHMARKS-transport.md §5).

interface SodiumX25519 {
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void
  randombytes_buf(buf: Uint8Array): void
}

function loadSodium(): SodiumX25519 | undefined {
  try {
    const mod = createRequire(import.meta.url)('sodium-native') as Partial<SodiumX25519>
    return typeof mod.crypto_scalarmult === 'function' && typeof mod.crypto_scalarmult_base === 'function' && typeof mod.randombytes_buf === 'function'
      ? (mod as SodiumX25519)
      : undefined
  } catch {
    return undefined
  }
}

/** Which implementation runs X25519 here: 'sodium-native' or 'node:crypto'. */
export let x25519Backend: 'sodium-native' | 'node:crypto'
let sodium: SodiumX25519 | undefined = loadSodium()
x25519Backend = sodium === undefined ? 'node:crypto' : 'sodium-native'

/** @internal Tests and benchmarks: force one backend ('node:crypto' works everywhere). */
export function useX25519Backend(name: 'sodium-native' | 'node:crypto'): void {
  sodium = name === 'sodium-native' ? loadSodium() : undefined
  if (name === 'sodium-native' && sodium === undefined) throw new Error('sodium-native is not available')
  x25519Backend = name
  spare = undefined
}

/** An ephemeral X25519 key pair: 32 raw bytes each (the private half is wiped after the DH). */
export interface EphemeralKeyPair {
  readonly publicKey: Uint8Array
  readonly privateKey: Uint8Array
}

const b64 = (raw: Uint8Array): string => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url')

function publicOf(priv: Uint8Array, pub: Uint8Array): Uint8Array {
  if (sodium !== undefined) {
    sodium.crypto_scalarmult_base(pub, priv)
    return pub
  }
  // Node requires `x` in a private JWK but derives the public key from `d` (OpenSSL clamps).
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64(priv), x: '' }, format: 'jwk' })
  const { x } = createPublicKey(key).export({ format: 'jwk' })
  pub.set(Buffer.from(x ?? '', 'base64url'))
  return pub
}

/**
 * 32 bytes from the OS CSPRNG: libsodium's `randombytes_buf` (getrandom) when it loads, a plain
 * call, where node:crypto's `randomFillSync` builds a job object per call (≈ 25 µs a handshake).
 */
function randomKey(out: Uint8Array): Uint8Array {
  if (sodium !== undefined) sodium.randombytes_buf(out)
  else randomFillSync(out)
  return out
}

/**
 * A fresh key pair, or the one of `privateKey` (32 raw bytes, clamped by X25519 itself as in
 * Go's `nacl/box`; used to replay Go's vectors).
 */
export function generateEphemeralKeyPair(privateKey?: Uint8Array): EphemeralKeyPair {
  if (privateKey !== undefined && privateKey.length !== 32) throw new RangeError('X25519 private key must be 32 bytes')
  // Both halves in one piece of memory outside V8's heap: libsodium reads and writes them.
  const pair = offHeapBytes(64)
  const priv = pair.subarray(0, 32)
  if (privateKey === undefined) randomKey(priv)
  else priv.set(privateKey)
  return { publicKey: publicOf(priv, pair.subarray(32)), privateKey: priv }
}

/** One key pair made ahead of need (see {@link takeEphemeralKeyPair}). */
let spare: EphemeralKeyPair | undefined

/**
 * A fresh key pair for a handshake, made ahead of need when possible: the handshake sends its
 * public key first, so a key that already exists takes the key generation off the connection's
 * critical path. The caller refills the spare with {@link prepareEphemeralKeyPair} once its
 * first message is on the wire (no timer, nothing left running).
 */
export function takeEphemeralKeyPair(): EphemeralKeyPair {
  const kp = spare ?? generateEphemeralKeyPair()
  spare = undefined
  return kp
}

/** Makes the spare key pair for the next handshake, if there is none. */
export function prepareEphemeralKeyPair(): void {
  // Runs from a tick of its own: a failure here must not escape; the next take tries again.
  try {
    spare ??= generateEphemeralKeyPair()
  } catch {}
}

// Scratch for libsodium's DH (see off-heap.ts): the caller's arrays are copied in, the secret out.
const dhOut = offHeapBuffer(32)
const privIn = offHeapBuffer(32)
const pubIn = offHeapBuffer(32)

/**
 * X25519(ours, theirs). Returns undefined when the shared secret is all zeros (a low-order
 * remote point), the one case Go's `curve25519.X25519` rejects.
 */
export function computeSharedSecret(ours: Uint8Array, theirs: Uint8Array): Uint8Array | undefined {
  if (theirs.length !== 32 || ours.length !== 32) return undefined
  let secret: Uint8Array
  try {
    if (sodium !== undefined) {
      // libsodium refuses (throws) to return an all-zero secret, as OpenSSL does.
      sodium.crypto_scalarmult(dhOut, nativeArg(privIn, ours), nativeArg(pubIn, theirs))
      secret = dhOut.slice()
    } else {
      secret = new Uint8Array(32)
      const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64(ours), x: '' }, format: 'jwk' })
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64(theirs) }, format: 'jwk' })
      secret.set(diffieHellman({ privateKey, publicKey }))
    }
  } catch {
    return undefined
  } finally {
    dhOut.fill(0)
    privIn.fill(0)
  }
  let acc = 0
  for (let i = 0; i < secret.length; i++) acc |= secret[i] as number
  return acc === 0 ? undefined : secret
}
