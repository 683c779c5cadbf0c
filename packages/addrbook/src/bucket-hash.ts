import { NEW_BUCKET_COUNT, NEW_BUCKETS_PER_GROUP, OLD_BUCKET_COUNT, OLD_BUCKETS_PER_GROUP } from './constants.js'
import { HighwayHash64 } from './highwayhash.js'

const encoder = new TextEncoder()

/**
 * Go's `calcNewBucket` / `calcOldBucket`: HighwayHash-64 under `hashKey` of the book key and group
 * keys, the 8-byte digest read big-endian. Every modulus is a power of two, so only the low bits
 * of the big-endian number (the last digest byte) matter.
 */
export class BucketHasher {
  private readonly hash: HighwayHash64
  private scratch = new Uint8Array(256)

  constructor(
    readonly key: string,
    hashKey: Uint8Array
  ) {
    this.hash = new HighwayHash64(hashKey)
  }

  /** hash(key ‖ group(addr) ‖ group(src)) mod 32, then hash(key ‖ group(src) ‖ BE64(that)) mod 256. */
  newBucket(addrGroup: string, srcGroup: string): number {
    const h1 = this.lowByte(addrGroup, srcGroup, -1) % NEW_BUCKETS_PER_GROUP
    return this.lowByte(srcGroup, '', h1) % NEW_BUCKET_COUNT
  }

  /** hash(key ‖ addr.String()) mod 4, then hash(key ‖ group(addr) ‖ BE64(that)) mod 64. */
  oldBucket(addrString: string, addrGroup: string): number {
    const h1 = this.lowByte(addrString, '', -1) % OLD_BUCKETS_PER_GROUP
    return this.lowByte(addrGroup, '', h1) % OLD_BUCKET_COUNT
  }

  /** The last digest byte of UTF-8(key ‖ a ‖ b), followed by BE64(suffix) when suffix >= 0. */
  private lowByte(a: string, b: string, suffix: number): number {
    let len: number
    for (;;) {
      len = this.put(this.key, 0)
      if (len >= 0) len = this.put(a, len)
      if (len >= 0) len = this.put(b, len)
      if (len >= 0 && len + 8 <= this.scratch.length) break
      this.scratch = new Uint8Array(this.scratch.length * 2)
    }
    if (suffix >= 0) {
      this.scratch.fill(0, len, len + 7)
      this.scratch[len + 7] = suffix // every suffix is < 256
      len += 8
    }
    return this.hash.digest(this.scratch.subarray(0, len))[7]!
  }

  /** Writes `text` at `at`; returns the new length, or -1 when the scratch buffer is too small. */
  private put(text: string, at: number): number {
    const scratch = this.scratch
    if (at + text.length > scratch.length) return -1
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c >= 0x80) {
        // rare (keys are ASCII in practice): fall back to a real UTF-8 encoder
        const r = encoder.encodeInto(text.slice(i), scratch.subarray(at))
        return r.read < text.length - i ? -1 : at + r.written
      }
      scratch[at++] = c
    }
    return at
  }
}
