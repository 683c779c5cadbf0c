import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifyEd25519 } from '../src/index.js'

describe('verifyEd25519', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const raw = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'))
  const msg = Uint8Array.from([1, 2, 3])
  const sig = new Uint8Array(sign(null, msg, privateKey))

  it('accepts a valid signature and refuses a changed message, signature or key', () => {
    expect(verifyEd25519(raw, msg, sig)).toBe(true)
    expect(verifyEd25519(raw, Uint8Array.from([1, 2, 4]), sig)).toBe(false)
    const bad = sig.slice()
    bad[0] = (bad[0] as number) ^ 1
    expect(verifyEd25519(raw, msg, bad)).toBe(false)
    const otherKey = raw.slice()
    otherKey[3] = (otherKey[3] as number) ^ 1
    expect(verifyEd25519(otherKey, msg, sig)).toBe(false)
  })

  it('returns false for wrong lengths instead of throwing', () => {
    expect(verifyEd25519(raw.subarray(0, 31), msg, sig)).toBe(false)
    expect(verifyEd25519(raw, msg, sig.subarray(0, 63))).toBe(false)
  })

  it("accepts a small-order key with identity R and S = 0, as Go's crypto/ed25519 does", () => {
    const identity = new Uint8Array(32)
    identity[0] = 1
    const s = new Uint8Array(64)
    s[0] = 1
    expect(verifyEd25519(identity, msg, s)).toBe(true)
  })
})
