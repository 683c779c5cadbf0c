import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ed25519Verify, nodeKeyFromSeed, useEd25519Backend } from '../src/secret/ed25519.js'
import { computeSharedSecret, generateEphemeralKeyPair, prepareEphemeralKeyPair, takeEphemeralKeyPair, useX25519Backend } from '../src/secret/x25519.js'
import { MerlinTranscript } from '../src/secret/merlin.js'
import { hex, loadHandshakeVectors, unhex } from './secret-helpers.js'

const { cases } = loadHandshakeVectors()
let sodiumLoads = true
try {
  useX25519Backend('sodium-native')
} catch {
  sodiumLoads = false
}
const backends = sodiumLoads ? (['sodium-native', 'node:crypto'] as const) : (['node:crypto'] as const)

// The identity point (y = 1): a small-order public key. With R = identity and S = 0 the
// equation holds, and Go's crypto/ed25519 (cofactorless, small-order keys allowed) says yes.
const identity = (): Uint8Array => {
  const p = new Uint8Array(32)
  p[0] = 1
  return p
}

describe.each(backends)('X25519 and ed25519 with %s', (backend) => {
  beforeAll(() => {
    useX25519Backend(backend)
    useEd25519Backend(backend)
  })
  afterAll(() => {
    useX25519Backend(sodiumLoads ? 'sodium-native' : 'node:crypto')
    useEd25519Backend(sodiumLoads ? 'sodium-native' : 'node:crypto')
  })

  it.each(cases.map((c) => [c.name, c] as const))("derives Go's keys, DH secret and signatures (%s)", (_n, c) => {
    const a = generateEphemeralKeyPair(unhex(c.a.eph_x25519_priv))
    const b = generateEphemeralKeyPair(unhex(c.b.eph_x25519_priv))
    expect(hex(a.publicKey)).toBe(c.a.eph_x25519_pub)
    expect(hex(b.publicKey)).toBe(c.b.eph_x25519_pub)
    expect(hex(computeSharedSecret(a.privateKey, b.publicKey) ?? new Uint8Array())).toBe(c.dh_secret)
    expect(hex(computeSharedSecret(b.privateKey, a.publicKey) ?? new Uint8Array())).toBe(c.dh_secret)
    const key = nodeKeyFromSeed(unhex(c.a.ed25519_seed))
    expect(hex(key.publicKey)).toBe(c.a.ed25519_pubkey)
    const sig = key.sign(unhex(c.challenge))
    // ed25519 is deterministic: the same signature bytes as Go's.
    expect(hex(sig)).toBe(c.a.challenge_signature)
    expect(ed25519Verify(key.publicKey, unhex(c.challenge), sig)).toBe(true)
  })

  it('refuses a low-order remote X25519 point (all-zero secret), as Go', () => {
    const ours = generateEphemeralKeyPair()
    expect(computeSharedSecret(ours.privateKey, new Uint8Array(32))).toBeUndefined()
    const one = new Uint8Array(32)
    one[0] = 1
    expect(computeSharedSecret(ours.privateKey, one)).toBeUndefined()
    expect(computeSharedSecret(ours.privateKey, new Uint8Array(31))).toBeUndefined()
  })

  it('makes a spare key ahead of need and never hands out the same key twice', () => {
    prepareEphemeralKeyPair()
    const a = takeEphemeralKeyPair()
    const b = takeEphemeralKeyPair()
    expect(hex(a.publicKey)).not.toBe(hex(b.publicKey))
    expect(hex(generateEphemeralKeyPair(a.privateKey).publicKey)).toBe(hex(a.publicKey))
  })

  it("accepts exactly Go's ed25519 signatures: small-order key yes, tampered or non-canonical no", () => {
    const key = nodeKeyFromSeed(new Uint8Array(32).fill(7))
    const msg = Uint8Array.from([1, 2, 3])
    const sig = key.sign(msg)
    expect(ed25519Verify(key.publicKey, msg, sig)).toBe(true)
    const bad = sig.slice()
    bad[5] = (bad[5] as number) ^ 1
    expect(ed25519Verify(key.publicKey, msg, bad)).toBe(false)
    expect(ed25519Verify(key.publicKey, Uint8Array.from([1, 2, 4]), sig)).toBe(false)
    // S + L: the same point equation, but S is not reduced; Go refuses it.
    const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10]
    const high = sig.slice()
    let carry = 0
    for (let i = 0; i < 32; i++) {
      const v = (high[32 + i] as number) + (L[i] as number) + carry
      high[32 + i] = v & 0xff
      carry = v >> 8
    }
    expect(ed25519Verify(key.publicKey, msg, high)).toBe(false)
    // Small-order key, identity R, S = 0: Go accepts (libsodium alone would not).
    const sigId = new Uint8Array(64)
    sigId.set(identity())
    expect(ed25519Verify(identity(), msg, sigId)).toBe(true)
    expect(ed25519Verify(key.publicKey.subarray(0, 31), msg, sig)).toBe(false)
    expect(ed25519Verify(key.publicKey, msg, sig.subarray(0, 63))).toBe(false)
  })
})

describe('Merlin transcript clone', () => {
  it('continues exactly as the original and independently of it', () => {
    const a = new MerlinTranscript('label')
    a.appendMessage('x', Uint8Array.from([1, 2, 3]))
    const b = a.clone()
    const c = a.clone()
    for (const t of [a, b]) t.appendMessage('y', new Uint8Array(200).fill(9))
    const ea = a.extractBytes('c', 32)
    expect(hex(b.extractBytes('c', 32))).toBe(hex(ea))
    c.appendMessage('y', new Uint8Array(200).fill(8))
    expect(hex(c.extractBytes('c', 32))).not.toBe(hex(ea))
  })
})
