import { createRequire } from 'node:module'
import { NODE_ID_BYTE_LENGTH, type NodeID, nodeIdFromPublicKey } from '@p2p/types'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  AEAD_KEY_SIZE,
  CHALLENGE_SIZE,
  HKDF_INFO,
  LABEL_CHALLENGE,
  LABEL_DH_SECRET,
  LABEL_EPHEMERAL_LOWER,
  LABEL_EPHEMERAL_UPPER,
  TRANSCRIPT_LABEL
} from './constants.js'
import { ascii, MerlinTranscript } from './merlin.js'
import { nativeArg, offHeapBuffer } from './off-heap.js'

const INFO = ascii(HKDF_INFO)
// Go reads 96 bytes (two keys and a challenge that Merlin replaced); HKDF's output blocks come
// one after another, so the first 64 are the same whether or not the third block is made.
const OKM_SIZE = 2 * AEAD_KEY_SIZE

type Sha256 = (out: Uint8Array, input: Uint8Array) => void
function loadSha256(): Sha256 | undefined {
  try {
    const mod = createRequire(import.meta.url)('sodium-native') as { crypto_hash_sha256?: Sha256 }
    return typeof mod.crypto_hash_sha256 === 'function' ? mod.crypto_hash_sha256 : undefined
  } catch {
    return undefined
  }
}
const sodiumSha256 = loadSha256()

const idHash = offHeapBuffer(32)
const idKey = offHeapBuffer(32)

/** `nodeIdFromPublicKey` over libsodium's SHA-256 when it loads (no hash object per call). */
export function nodeIdOf(publicKey: Uint8Array): NodeID {
  if (sodiumSha256 === undefined || publicKey.length !== 32) return nodeIdFromPublicKey(publicKey)
  sodiumSha256(idHash, nativeArg(idKey, publicKey))
  return Buffer.from(idHash.buffer, idHash.byteOffset, NODE_ID_BYTE_LENGTH).toString('hex') as NodeID
}

// HMAC-SHA256 over libsodium's one-call SHA-256: eight native calls and no objects per HKDF,
// against @noble's pure-JS HMAC (≈ 3× slower) and node:crypto's hkdfSync (a KeyObject per
// call, slower than both inside a handshake). Scratch buffers outside V8's heap (off-heap.ts),
// which libsodium reads and writes: the work is synchronous.
const scratch = offHeapBuffer(64 + 32 + INFO.length + 1)
const inner = offHeapBuffer(32)
const prk = offHeapBuffer(32)
const okm = offHeapBuffer(OKM_SIZE)
const counter = new Uint8Array(1)
const EMPTY: Uint8Array = new Uint8Array(0)

function hmac(hash: Sha256, key: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array): void {
  let n = 64
  for (let i = 0; i < 64; i++) scratch[i] = (i < key.length ? (key[i] as number) : 0) ^ 0x36
  for (const p of parts) {
    scratch.set(p, n)
    n += p.length
  }
  hash(inner, scratchView(n))
  for (let i = 0; i < 64; i++) scratch[i] = (i < key.length ? (key[i] as number) : 0) ^ 0x5c
  scratch.set(inner, 64)
  hash(out, scratchView(96))
}

// The HMAC inputs come in three lengths: one view of the scratch buffer each, made once.
const scratchViews: Uint8Array[] = []
function scratchView(n: number): Uint8Array {
  let view = scratchViews[n]
  if (view === undefined) {
    view = scratch.subarray(0, n)
    scratchViews[n] = view
  }
  return view
}

/**
 * HKDF-SHA256 with no salt (Go's nil: HMAC's all-zero key), RFC 5869, the first 64 bytes, into
 * a shared scratch buffer that the caller reads and wipes before anything else runs.
 */
function hkdf64(hash: Sha256, ikm: Uint8Array): Uint8Array {
  hmac(hash, EMPTY, [ikm], prk)
  let prev = EMPTY
  for (let i = 0; i < OKM_SIZE / 32; i++) {
    counter[0] = i + 1
    const t = okm.subarray(32 * i, 32 * i + 32)
    hmac(hash, prk, [prev, INFO, counter], t)
    prev = t
  }
  prk.fill(0)
  inner.fill(0)
  scratch.fill(0)
  return okm
}

/** The two traffic keys of one side. */
export interface TrafficSecrets {
  recvSecret: Uint8Array
  sendSecret: Uint8Array
}

/**
 * HKDF-SHA256(ikm = dh, no salt, info = "…KEY_AND_CHALLENGE_GEN") as Go reads it; the side
 * whose ephemeral key sorts lowest receives with bytes 0..31 and sends with 32..63. Go's bytes
 * 64..95 (the pre-Merlin challenge) are unused, and not made.
 */
export function deriveSecrets(dhSecret: Uint8Array, locIsLeast: boolean): TrafficSecrets {
  const okm = sodiumSha256 === undefined ? hkdf(sha256, dhSecret, undefined, INFO, OKM_SIZE) : hkdf64(sodiumSha256, dhSecret)
  const first = okm.slice(0, AEAD_KEY_SIZE)
  const second = okm.slice(AEAD_KEY_SIZE, 2 * AEAD_KEY_SIZE)
  okm.fill(0)
  return locIsLeast ? { recvSecret: first, sendSecret: second } : { recvSecret: second, sendSecret: first }
}

/** Lexicographic byte order, as Go's `bytes.Compare`. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d
  }
  return a.length - b.length
}

/** Sorts the two ephemeral keys; with equal keys `lo` is the remote one, as Go's `sort32`. */
export function sortKeys(local: Uint8Array, remote: Uint8Array): { lo: Uint8Array; hi: Uint8Array; locIsLeast: boolean } {
  const localFirst = compareBytes(local, remote) < 0
  const lo = localFirst ? local : remote
  const hi = localFirst ? remote : local
  return { lo, hi, locIsLeast: compareBytes(local, lo) === 0 }
}

/** The transcript every handshake starts from (holds only public labels). */
const START = new MerlinTranscript(TRANSCRIPT_LABEL)
/** The one working transcript: a challenge is computed within one synchronous call. */
const work = START.clone()

/** The 32-byte challenge each side signs: Merlin over both ephemeral keys and the DH secret. */
export function computeChallenge(lo: Uint8Array, hi: Uint8Array, dhSecret: Uint8Array): Uint8Array {
  const t = work
  t.copyFrom(START)
  t.appendMessage(LABEL_EPHEMERAL_LOWER, lo)
  t.appendMessage(LABEL_EPHEMERAL_UPPER, hi)
  t.appendMessage(LABEL_DH_SECRET, dhSecret)
  const challenge = t.extractBytes(LABEL_CHALLENGE, CHALLENGE_SIZE)
  t.wipe()
  return challenge
}
