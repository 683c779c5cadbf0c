import { ProtocolError } from '@p2p/types'
import { AEAD_NONCE_SIZE } from './constants.js'
import { offHeapBytes } from './off-heap.js'

const MAX_U32 = 0xffffffff

/**
 * One direction's 12-byte nonce: 4 zero bytes, then a little-endian 64-bit frame counter.
 * The bytes are preallocated and changed in place, so the hot path allocates nothing.
 */
export class Nonce {
  // Outside V8's heap: libsodium reads it for every frame (see off-heap.ts).
  readonly bytes = offHeapBytes(AEAD_NONCE_SIZE)
  private readonly view = new DataView(this.bytes.buffer, this.bytes.byteOffset, AEAD_NONCE_SIZE)
  // The counter as two 32-bit halves: numbers stay small integers, no BigInt on the hot path.
  private lo = 0
  private hi = 0

  /** `start` exists for tests that need a counter near the end of its range. */
  constructor(start: bigint = 0n) {
    if (start < 0n || start > 0xffffffffffffffffn) throw new RangeError('nonce counter out of range')
    this.lo = Number(start & 0xffffffffn)
    this.hi = Number(start >> 32n)
    this.view.setUint32(4, this.lo, true)
    this.view.setUint32(8, this.hi, true)
  }

  /** The counter value, for tests and diagnostics. */
  get counter(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo)
  }

  /**
   * Throws {@link ProtocolError} when the current nonce is the last one (2^64 − 1). Go panics
   * when it would increment past it, so it never puts a frame sealed under that nonce on the
   * wire nor accepts one; checking before use matches that without sealing a frame we drop.
   */
  assertUsable(): void {
    if (this.lo === MAX_U32 && this.hi === MAX_U32) {
      throw new ProtocolError("can't increase nonce without overflow")
    }
  }

  increment(): void {
    if (this.lo === MAX_U32) {
      this.lo = 0
      this.hi++
      this.view.setUint32(8, this.hi, true)
    } else {
      this.lo++
    }
    this.view.setUint32(4, this.lo, true)
  }
}
