import { InvalidArgumentError } from '@p2p/types'
import { HASH_KEY_BYTES } from './constants.js'

/*
 * HighwayHash-64 (Google's keyed hash, as minio/highwayhash computes it for Go's address book).
 * Every 64-bit lane is held as two uint32 halves in a Uint32Array so the hot path (two hashes per
 * added address) needs no BigInt and allocates nothing. Layout of `s`: four lanes each of
 * v0, v1, mul0, mul1; lane i of a vector starts at vector + 2 * i, low half first.
 */

const V0 = 0
const V1 = 8
const MUL0 = 16
const MUL1 = 24

const INIT_MUL0 = [0xfe4cce2f, 0xdbe6d5d5, 0x299f31d0, 0xa4093822, 0x03707344, 0x13198a2e, 0x85a308d3, 0x243f6a88]
const INIT_MUL1 = [0xcb0ef593, 0x3bd39e10, 0xb5f18a8c, 0xc0acf169, 0x34e90c6c, 0xbe5466cf, 0x38d01377, 0x452821e6]

const TWO_32 = 4294967296

/** A HighwayHash-64 instance bound to one 32-byte key; reusable, not re-entrant. */
export class HighwayHash64 {
  private readonly key = new Uint32Array(8)
  private readonly s = new Uint32Array(32)
  private readonly lanes = new Uint32Array(8)
  private readonly packet = new Uint8Array(32)
  private readonly out = new Uint8Array(8)

  constructor(key: Uint8Array) {
    if (key.length !== HASH_KEY_BYTES) {
      throw new InvalidArgumentError(`HighwayHash key must be ${HASH_KEY_BYTES} bytes, got ${key.length}`)
    }
    const view = new DataView(key.buffer, key.byteOffset, key.byteLength)
    for (let i = 0; i < 8; i++) this.key[i] = view.getUint32(i * 4, true)
  }

  /**
   * The 8-byte digest as Go's `highwayhash.New64(key)` + `Sum(nil)` returns it: the 64-bit
   * result little-endian. The returned array is reused by the next call.
   */
  digest(data: Uint8Array): Uint8Array {
    this.reset()
    const s = this.s
    const full = data.length - (data.length % 32)
    const lanes = this.lanes
    for (let off = 0; off < full; off += 32) {
      for (let i = 0; i < 8; i++) lanes[i] = readU32(data, off + i * 4)
      this.update(lanes)
    }
    const rem = data.length - full
    if (rem !== 0) this.updateRemainder(data, full, rem)
    for (let r = 0; r < 4; r++) this.permuteAndUpdate()
    // v0[0] + v1[0] + mul0[0] + mul1[0], modulo 2^64
    let lo = s[V0]! + s[V1]! + s[MUL0]! + s[MUL1]!
    const carry = Math.floor(lo / TWO_32)
    lo >>>= 0
    const hi = (s[V0 + 1]! + s[V1 + 1]! + s[MUL0 + 1]! + s[MUL1 + 1]! + carry) >>> 0
    const out = this.out
    out[0] = lo & 0xff
    out[1] = (lo >>> 8) & 0xff
    out[2] = (lo >>> 16) & 0xff
    out[3] = lo >>> 24
    out[4] = hi & 0xff
    out[5] = (hi >>> 8) & 0xff
    out[6] = (hi >>> 16) & 0xff
    out[7] = hi >>> 24
    return out
  }

  private reset(): void {
    const s = this.s
    const k = this.key
    for (let i = 0; i < 8; i++) {
      s[MUL0 + i] = INIT_MUL0[i]!
      s[MUL1 + i] = INIT_MUL1[i]!
      s[V0 + i] = INIT_MUL0[i]! ^ k[i]!
      // v1 = mul1 ^ (key lane with its 32-bit halves swapped)
      s[V1 + i] = INIT_MUL1[i]! ^ k[i ^ 1]!
    }
  }

  private update(lanes: Uint32Array): void {
    const s = this.s
    for (let i = 0; i < 4; i++) {
      const l = 2 * i
      // v1 += mul0 + lanes
      let lo = s[V1 + l]! + s[MUL0 + l]! + lanes[l]!
      let carry = Math.floor(lo / TWO_32)
      s[V1 + l] = lo
      s[V1 + l + 1] = s[V1 + l + 1]! + s[MUL0 + l + 1]! + lanes[l + 1]! + carry
      // mul0 ^= lo32(v1) * hi32(v0)
      mulXor(s, MUL0 + l, s[V1 + l]!, s[V0 + l + 1]!)
      // v0 += mul1
      lo = s[V0 + l]! + s[MUL1 + l]!
      carry = lo >= TWO_32 ? 1 : 0
      s[V0 + l] = lo
      s[V0 + l + 1] = s[V0 + l + 1]! + s[MUL1 + l + 1]! + carry
      // mul1 ^= lo32(v0) * hi32(v1)
      mulXor(s, MUL1 + l, s[V0 + l]!, s[V1 + l + 1]!)
    }
    zipperMergeAndAdd(s, V1 + 2, V1, V0 + 2, V0)
    zipperMergeAndAdd(s, V1 + 6, V1 + 4, V0 + 6, V0 + 4)
    zipperMergeAndAdd(s, V0 + 2, V0, V1 + 2, V1)
    zipperMergeAndAdd(s, V0 + 6, V0 + 4, V1 + 6, V1 + 4)
  }

  private updateRemainder(data: Uint8Array, start: number, size: number): void {
    const s = this.s
    for (let i = 0; i < 4; i++) {
      // v0 += (size << 32) + size
      const lo = s[V0 + 2 * i]! + size
      s[V0 + 2 * i] = lo
      s[V0 + 2 * i + 1] = s[V0 + 2 * i + 1]! + size + (lo >= TWO_32 ? 1 : 0)
    }
    // rotate each 32-bit half of v1 left by `size` (1..31)
    for (let i = 0; i < 8; i++) {
      const h = s[V1 + i]!
      s[V1 + i] = (h << size) | (h >>> (32 - size))
    }
    const packet = this.packet
    packet.fill(0)
    const mod4 = size & 3
    const whole = size - mod4
    for (let i = 0; i < whole; i++) packet[i] = data[start + i]!
    const remainder = start + whole
    if ((size & 16) !== 0) {
      for (let i = 0; i < 4; i++) packet[28 + i] = data[remainder + i + mod4 - 4]!
    } else if (mod4 !== 0) {
      packet[16] = data[remainder]!
      packet[17] = data[remainder + (mod4 >> 1)]!
      packet[18] = data[remainder + mod4 - 1]!
    }
    const lanes = this.lanes
    for (let i = 0; i < 8; i++) lanes[i] = readU32(packet, i * 4)
    this.update(lanes)
  }

  private permuteAndUpdate(): void {
    const s = this.s
    const lanes = this.lanes
    // permuted = [v0[2], v0[3], v0[0], v0[1]], each with its halves swapped
    lanes[0] = s[V0 + 5]!
    lanes[1] = s[V0 + 4]!
    lanes[2] = s[V0 + 7]!
    lanes[3] = s[V0 + 6]!
    lanes[4] = s[V0 + 1]!
    lanes[5] = s[V0]!
    lanes[6] = s[V0 + 3]!
    lanes[7] = s[V0 + 2]!
    this.update(lanes)
  }
}

function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
}

/** s[at..at+1] ^= a * b, a full 32x32 -> 64-bit product computed in 16-bit pieces. */
function mulXor(s: Uint32Array, at: number, a: number, b: number): void {
  const a0 = a & 0xffff
  const a1 = a >>> 16
  const b0 = b & 0xffff
  const b1 = b >>> 16
  const mid = a0 * b1 + a1 * b0
  const lo = a0 * b0 + (mid % 65536) * 65536
  const hi = a1 * b1 + Math.floor(mid / 65536) + (lo >= TWO_32 ? 1 : 0)
  s[at] = s[at]! ^ (lo >>> 0)
  s[at + 1] = s[at + 1]! ^ hi
}

/**
 * HighwayHash's byte shuffle of the lane pair (`hiLane`, `loLane`) added into (`add1`, `add0`).
 * With b = bytes of loLane and c = bytes of hiLane (little-endian):
 * add0 += [b3 c4 b2 b5 c6 b1 c7 b0], add1 += [c3 b4 c2 c5 c1 b6 c0 b7].
 */
function zipperMergeAndAdd(s: Uint32Array, hiLane: number, loLane: number, add1: number, add0: number): void {
  const bl = s[loLane]!
  const bh = s[loLane + 1]!
  const cl = s[hiLane]!
  const ch = s[hiLane + 1]!
  // bytes are named b0..b7 (loLane) and c0..c7 (hiLane), little-endian
  const m0lo = ((bl >>> 24) | (ch & 0xff) << 8 | (bl & 0xff0000) | ((bh >>> 8) & 0xff) << 24) >>> 0
  const m0hi = (((ch >>> 16) & 0xff) | (bl & 0xff00) | ((ch >>> 24) << 16) | ((bl & 0xff) << 24)) >>> 0
  const m1lo = ((cl >>> 24) | (bh & 0xff) << 8 | (cl & 0xff0000) | ((ch >>> 8) & 0xff) << 24) >>> 0
  const m1hi = (((cl >>> 8) & 0xff) | ((bh >>> 16) & 0xff) << 8 | ((cl & 0xff) << 16) | ((bh >>> 24) << 24)) >>> 0
  let lo = s[add0]! + m0lo
  s[add0] = lo
  s[add0 + 1] = s[add0 + 1]! + m0hi + (lo >= TWO_32 ? 1 : 0)
  lo = s[add1]! + m1lo
  s[add1] = lo
  s[add1 + 1] = s[add1 + 1]! + m1hi + (lo >= TWO_32 ? 1 : 0)
}
