import { hkdfSync } from 'node:crypto'
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

const INFO = ascii(HKDF_INFO)
const NO_SALT = new Uint8Array(0)

/** The two traffic keys of one side. */
export interface TrafficSecrets {
  recvSecret: Uint8Array
  sendSecret: Uint8Array
}

/**
 * HKDF-SHA256(ikm = dh, no salt, info = "…KEY_AND_CHALLENGE_GEN"), 96 bytes read as Go does;
 * the side whose ephemeral key sorts lowest receives with bytes 0..31 and sends with 32..63.
 * Bytes 64..95 (the pre-Merlin challenge) are unused.
 */
export function deriveSecrets(dhSecret: Uint8Array, locIsLeast: boolean): TrafficSecrets {
  // OpenSSL's HKDF (≈ 1.3× @noble's); an empty salt is HMAC's all-zero key, as Go's nil salt.
  const okm = new Uint8Array(hkdfSync('sha256', dhSecret, NO_SALT, INFO, 2 * AEAD_KEY_SIZE + 32))
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

/** The 32-byte challenge each side signs: Merlin over both ephemeral keys and the DH secret. */
export function computeChallenge(lo: Uint8Array, hi: Uint8Array, dhSecret: Uint8Array): Uint8Array {
  const t = new MerlinTranscript(TRANSCRIPT_LABEL)
  t.appendMessage(LABEL_EPHEMERAL_LOWER, lo)
  t.appendMessage(LABEL_EPHEMERAL_UPPER, hi)
  t.appendMessage(LABEL_DH_SECRET, dhSecret)
  const challenge = t.extractBytes(LABEL_CHALLENGE, CHALLENGE_SIZE)
  t.wipe()
  return challenge
}
