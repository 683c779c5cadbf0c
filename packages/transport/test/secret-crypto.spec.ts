import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ProtocolError } from '@p2p/types'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeUvarint, encodeUvarint, encodeUvarintInto, uvarintLength } from '@p2p/types/wire'
import { type AeadBackend, nobleAead, nodeCryptoAead } from '../src/secret/aead.js'
import { defaultAead } from '../src/secret/aead-select.js'
import { sodiumAead } from '../src/secret/aead-sodium.js'
import { computeChallenge, deriveSecrets, sortKeys } from '../src/secret/kdf.js'
import { MerlinTranscript } from '../src/secret/merlin.js'
import { Nonce } from '../src/secret/nonce.js'
import { hex, loadGolden, loadHandshakeVectors, unhex } from './secret-helpers.js'

describe('Merlin transcript (STROBE-128)', () => {
  // The two test vectors of gtank/merlin merlin_test.go (equal to Rust merlin's).
  it('reproduces the simple transcript vector', () => {
    const t = new MerlinTranscript('test protocol')
    t.appendMessage('some label', 'some data')
    expect(hex(t.extractBytes('challenge', 32))).toBe('d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615')
  })

  it('reproduces the complex transcript vector (32 rounds, 1 KiB messages cross the rate)', () => {
    const t = new MerlinTranscript('test protocol')
    t.appendMessage('step1', 'some data')
    let c: Uint8Array = new Uint8Array(32)
    for (let i = 0; i < 32; i++) {
      c = t.extractBytes('challenge', 32)
      t.appendMessage('bigdata', new Uint8Array(1024).fill(0x63))
      t.appendMessage('challengedata', c)
    }
    expect(hex(c)).toBe('a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c')
  })

  it('binds the challenge to every appended byte and label', () => {
    const base = (label: string, msg: string): string => {
      const t = new MerlinTranscript('p')
      t.appendMessage(label, msg)
      return hex(t.extractBytes('c', 32))
    }
    expect(base('a', 'x')).not.toBe(base('a', 'y'))
    expect(base('a', 'x')).not.toBe(base('b', 'x'))
    // label||len is one operation: moving a byte between label and message changes the result
    expect(base('ab', 'c')).not.toBe(base('a', 'bc'))
  })

  it.each(loadHandshakeVectors().cases.map((c) => [c.name, c] as const))('challenge of Go case %s', (_n, c) => {
    expect(hex(computeChallenge(unhex(c.lo_eph_pub), unhex(c.hi_eph_pub), unhex(c.dh_secret)))).toBe(c.challenge)
    const sorted = sortKeys(unhex(c.a.eph_x25519_pub), unhex(c.b.eph_x25519_pub))
    expect(hex(sorted.lo)).toBe(c.lo_eph_pub)
    expect(hex(sorted.hi)).toBe(c.hi_eph_pub)
    expect(sorted.locIsLeast).toBe(c.a.loc_is_least)
  })
})

describe('HKDF key derivation', () => {
  const golden = loadGolden()

  it('has all 32 lines of TestDeriveSecretsAndChallengeGolden', () => {
    expect(golden.length).toBe(32)
  })

  it.each(golden.map((g, i) => [i + 1, g] as const))('golden line %i', (_i, g) => {
    const { recvSecret, sendSecret } = deriveSecrets(unhex(g.dh), g.locIsLeast)
    expect(hex(recvSecret)).toBe(g.recv)
    expect(hex(sendSecret)).toBe(g.send)
    // Column 5 is bytes 64..95 of the same 96-byte output (the old, now unused, challenge).
    const okm = hkdf(sha256, unhex(g.dh), undefined, new TextEncoder().encode('TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN'), 96)
    expect(hex(okm.subarray(64))).toBe(g.oldChallenge)
  })

  it.each(loadHandshakeVectors().cases.map((c) => [c.name, c] as const))('hkdf_output_96 of Go case %s', (_n, c) => {
    const least = c.a.loc_is_least ? c.a : c.b
    expect(c.hkdf_output_96.slice(0, 64)).toBe(least.recv_secret)
    expect(c.hkdf_output_96.slice(64, 128)).toBe(least.send_secret)
    const s = deriveSecrets(unhex(c.dh_secret), true)
    expect(hex(s.recvSecret) + hex(s.sendSecret)).toBe(c.hkdf_output_96.slice(0, 128))
  })

  it('sorts equal keys with the remote as lo and locIsLeast true, as Go', () => {
    const k = new Uint8Array(32).fill(7)
    const r = k.slice()
    const s = sortKeys(k, r)
    expect(s.lo).toBe(r)
    expect(s.locIsLeast).toBe(true)
  })
})

describe('uvarint codec', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [1048576, '808040'],
    [2 ** 32, '8080808010'],
    [Number.MAX_SAFE_INTEGER, 'ffffffffffffff0f']
  ])('%d <-> %s', (value, enc) => {
    expect(hex(encodeUvarint(value))).toBe(enc)
    expect(uvarintLength(value)).toBe(enc.length / 2)
    expect(decodeUvarint(unhex(enc))).toEqual({ value, bytesRead: enc.length / 2 })
    const buf = new Uint8Array(12)
    expect(encodeUvarintInto(value, buf, 2)).toBe(enc.length / 2)
    expect(decodeUvarint(buf, 2)).toEqual({ value, bytesRead: enc.length / 2 })
  })

  it('returns undefined on short input', () => {
    expect(decodeUvarint(new Uint8Array(0))).toBeUndefined()
    expect(decodeUvarint(unhex('8080'))).toBeUndefined()
    expect(decodeUvarint(unhex('00ff'), 1)).toBeUndefined()
  })

  it('accepts 2^64-1 and rejects longer or wider varints with ProtocolError, as Go', () => {
    expect(decodeUvarint(unhex('ffffffffffffffffff01'))?.bytesRead).toBe(10)
    expect(() => decodeUvarint(unhex('ffffffffffffffffff02'))).toThrow(ProtocolError)
    expect(() => decodeUvarint(unhex('ffffffffffffffffffff01'))).toThrow(ProtocolError)
    expect(() => decodeUvarint(unhex('80808080808080808080'))).toThrow(/overflows a 64-bit integer/)
  })

  it('accepts non-minimal encodings, as Go', () => {
    expect(decodeUvarint(unhex('8000'))).toEqual({ value: 0, bytesRead: 2 })
  })

  it('rejects values it cannot encode exactly', () => {
    expect(() => encodeUvarint(-1)).toThrow()
    expect(() => encodeUvarint(1.5)).toThrow()
    expect(() => encodeUvarint(2 ** 53)).toThrow()
  })

  it('round-trips any safe integer and never misreads arbitrary bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const e = encodeUvarint(n)
        expect(decodeUvarint(e)).toEqual({ value: n, bytesRead: e.length })
        expect(decodeUvarint(e.subarray(0, e.length - 1))).toBeUndefined()
      }),
      { numRuns: 300 }
    )
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        try {
          const d = decodeUvarint(bytes)
          if (d !== undefined) expect(d.bytesRead).toBeLessThanOrEqual(10)
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError)
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe('nonce', () => {
  it('is 4 zero bytes and a little-endian 64-bit counter, carrying into the high word', () => {
    const n = new Nonce(0xffffffffn)
    expect(hex(n.bytes)).toBe('00000000ffffffff00000000')
    n.increment()
    expect(hex(n.bytes)).toBe('000000000000000001000000')
    expect(n.counter).toBe(0x100000000n)
  })

  it('refuses the last counter value, where Go panics', () => {
    const n = new Nonce(0xfffffffffffffffen)
    n.assertUsable()
    n.increment()
    expect(() => n.assertUsable()).toThrow(ProtocolError)
  })
})

describe('AEAD backends', () => {
  const backends: AeadBackend[] = [nodeCryptoAead, nobleAead, ...(sodiumAead() === undefined ? [] : [sodiumAead() as AeadBackend])]
  const key = crypto.getRandomValues(new Uint8Array(32))
  const nonce = new Nonce(0x0102030405n).bytes

  it.each(backends.flatMap((s) => backends.map((o) => [s.name, o.name, s, o] as const)))(
    'what %s seals at an offset, %s opens at an offset; a flipped bit fails',
    (_s, _o, sealer, opener) => {
      const plain = crypto.getRandomValues(new Uint8Array(1028))
      const sealed = new Uint8Array(1044 + 7)
      sealer.create(key).seal(nonce, plain, sealed, 7)
      const out = new Uint8Array(1028 + 3)
      expect(opener.create(key).open(nonce, sealed.subarray(7), out, 3)).toBe(true)
      expect(out.subarray(3)).toEqual(plain)
      sealed[7 + 1043] = (sealed[7 + 1043] as number) ^ 0x80
      const out2 = new Uint8Array(1028)
      expect(opener.create(key).open(nonce, sealed.subarray(7), out2, 0)).toBe(false)
      expect(out2.every((b) => b === 0)).toBe(true)
      expect(opener.create(key).open(nonce, new Uint8Array(10), out2, 0)).toBe(false)
    }
  )

  it('rejects keys of the wrong size', () => {
    for (const b of backends) expect(() => b.create(new Uint8Array(31))).toThrow()
  })

  it('the default is the fastest backend that loads', () => {
    expect(defaultAead().name).toBe(sodiumAead() === undefined ? 'node:crypto' : 'sodium-native')
  })
})
