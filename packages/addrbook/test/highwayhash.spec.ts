import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HighwayHash64 } from '../src/highwayhash.js'
import { hashKey, vectors } from './helpers.js'

/*
 * An independent, deliberately plain HighwayHash-64 on BigInt, written from the algorithm's
 * description (64-bit lanes, 32x32 multiplies, zipper merge), to cross-check the optimised
 * uint32-pair implementation on inputs the Go vectors do not cover.
 */
const M64 = (1n << 64n) - 1n
const rot32 = (x: bigint): bigint => ((x >> 32n) | (x << 32n)) & M64
function zipper(v1: bigint, v0: bigint): [bigint, bigint] {
  const byte = (x: bigint, n: number): bigint => (x >> BigInt(8 * n)) & 0xffn
  const pack = (bs: bigint[]): bigint => bs.reduce((acc, b, i) => acc | (b << BigInt(8 * i)), 0n)
  const b = (n: number): bigint => byte(v0, n)
  const c = (n: number): bigint => byte(v1, n)
  return [pack([c(3), b(4), c(2), c(5), c(1), b(6), c(0), b(7)]), pack([b(3), c(4), b(2), b(5), c(6), b(1), c(7), b(0)])]
}
function referenceHash(key: Uint8Array, data: Uint8Array): bigint {
  const le = (bytes: Uint8Array, at: number): bigint => {
    let x = 0n
    for (let i = 7; i >= 0; i--) x = (x << 8n) | BigInt(bytes[at + i]!)
    return x
  }
  const k = [0, 1, 2, 3].map((i) => le(key, i * 8))
  const mul0 = [0xdbe6d5d5fe4cce2fn, 0xa4093822299f31d0n, 0x13198a2e03707344n, 0x243f6a8885a308d3n]
  const mul1 = [0x3bd39e10cb0ef593n, 0xc0acf169b5f18a8cn, 0xbe5466cf34e90c6cn, 0x452821e638d01377n]
  const v0 = k.map((x, i) => mul0[i]! ^ x)
  const v1 = k.map((x, i) => mul1[i]! ^ rot32(x))
  const update = (lanes: bigint[]): void => {
    for (let i = 0; i < 4; i++) {
      v1[i] = (v1[i]! + mul0[i]! + lanes[i]!) & M64
      mul0[i] = mul0[i]! ^ ((v1[i]! & 0xffffffffn) * (v0[i]! >> 32n))
      v0[i] = (v0[i]! + mul1[i]!) & M64
      mul1[i] = mul1[i]! ^ ((v0[i]! & 0xffffffffn) * (v1[i]! >> 32n))
    }
    for (const [hi, lo, a1, a0] of [
      [1, 0, 1, 0],
      [3, 2, 3, 2]
    ] as const) {
      const [m1, m0] = zipper(v1[hi]!, v1[lo]!)
      v0[a1] = (v0[a1]! + m1) & M64
      v0[a0] = (v0[a0]! + m0) & M64
    }
    for (const [hi, lo, a1, a0] of [
      [1, 0, 1, 0],
      [3, 2, 3, 2]
    ] as const) {
      const [m1, m0] = zipper(v0[hi]!, v0[lo]!)
      v1[a1] = (v1[a1]! + m1) & M64
      v1[a0] = (v1[a0]! + m0) & M64
    }
  }
  const full = data.length - (data.length % 32)
  for (let off = 0; off < full; off += 32) update([0, 1, 2, 3].map((i) => le(data, off + i * 8)))
  const size = data.length - full
  if (size > 0) {
    for (let i = 0; i < 4; i++) v0[i] = (v0[i]! + ((BigInt(size) << 32n) + BigInt(size))) & M64
    const rot = (h: bigint): bigint => ((h << BigInt(size)) | (h >> BigInt(32 - size))) & 0xffffffffn
    for (let i = 0; i < 4; i++) v1[i] = rot(v1[i]! & 0xffffffffn) | (rot(v1[i]! >> 32n) << 32n)
    const packet = new Uint8Array(32)
    const rem = data.subarray(full)
    const mod4 = size & 3
    packet.set(rem.subarray(0, size - mod4))
    const tail = rem.subarray(size - mod4)
    if (size & 16) for (let i = 0; i < 4; i++) packet[28 + i] = rem[size - 4 + i]!
    else if (mod4 !== 0) {
      packet[16] = tail[0]!
      packet[17] = tail[mod4 >> 1]!
      packet[18] = tail[mod4 - 1]!
    }
    update([0, 1, 2, 3].map((i) => le(packet, i * 8)))
  }
  for (let r = 0; r < 4; r++) update([rot32(v0[2]!), rot32(v0[3]!), rot32(v0[0]!), rot32(v0[1]!)])
  return (v0[0]! + v1[0]! + mul0[0]! + mul1[0]!) & M64
}
const leHex = (x: bigint): string => Buffer.from(x.toString(16).padStart(16, '0'), 'hex').reverse().toString('hex')

describe('HighwayHash-64', () => {
  const h = new HighwayHash64(hashKey)

  it.each(vectors.highwayhash64_samples)('matches Go for $input_hex.length hex chars of input', ({ input_hex, hash_hex }) => {
    const input = Buffer.from(input_hex, 'hex')
    expect(Buffer.from(h.digest(input)).toString('hex')).toBe(hash_hex)
    expect(leHex(referenceHash(hashKey, input))).toBe(hash_hex)
  })

  it('matches Go on every intermediate hash of the bucket vectors', () => {
    let checked = 0
    for (const p of vectors.pairs) {
      for (const which of ['new', 'old'] as const) {
        for (const n of [1, 2] as const) {
          const data = Buffer.from(p[`nonstrict_${which}_data${n}_hex`], 'hex')
          expect(Buffer.from(h.digest(data)).toString('hex')).toBe(p[`nonstrict_${which}_hash${n}_hex`])
          checked++
        }
      }
    }
    expect(checked).toBe(vectors.pairs.length * 4)
  })

  it('agrees with a plain BigInt implementation on random keys and inputs of every length class', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (key, data) => {
        expect(Buffer.from(new HighwayHash64(key).digest(data)).toString('hex')).toBe(leHex(referenceHash(key, data)))
      }),
      { numRuns: 300 }
    )
  })

  it('reads its input through byte offsets (subarrays) correctly', () => {
    const big = Buffer.from('xx' + 'hello highway hash, this is longer than thirty-two bytes')
    expect(Buffer.from(h.digest(big.subarray(2))).toString('hex')).toBe(leHex(referenceHash(hashKey, big.subarray(2))))
  })

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new HighwayHash64(new Uint8Array(31))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })
})
