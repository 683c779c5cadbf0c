import { netAddressString } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { BucketHasher } from '../src/bucket-hash.js'
import { groupKey } from '../src/group-key.js'
import { addr, hashKey, makeBook, vectors } from './helpers.js'

describe('bucket placement vectors (Go calcNewBucket / calcOldBucket / groupKey)', () => {
  it('has the geometry of Go params.go', async () => {
    const { constants } = await import('../src/index.js')
    expect(constants.NEW_BUCKET_COUNT).toBe(vectors.constants.newBucketCount)
    expect(constants.NEW_BUCKET_SIZE).toBe(vectors.constants.newBucketSize)
    expect(constants.OLD_BUCKET_COUNT).toBe(vectors.constants.oldBucketCount)
    expect(constants.OLD_BUCKET_SIZE).toBe(vectors.constants.oldBucketSize)
    expect(constants.NEW_BUCKETS_PER_GROUP).toBe(vectors.constants.newBucketsPerGroup)
    expect(constants.OLD_BUCKETS_PER_GROUP).toBe(vectors.constants.oldBucketsPerGroup)
    expect(constants.MAX_NEW_BUCKETS_PER_ADDRESS).toBe(vectors.constants.maxNewBucketsPerAddress)
  })

  for (const strict of [true, false]) {
    const mode = strict ? 'strict' : 'nonstrict'
    describe(`routability ${mode}`, () => {
      const book = makeBook({ key: vectors.addrbook_key, hashKey, strict })
      it.each(vectors.pairs.map((p, i) => [i, p] as const))(`pair %i`, (_, p) => {
        const a = addr(p.addr)
        const s = addr(p.src)
        expect(groupKey(a, strict)).toBe(p[`group_key_addr_${mode}`])
        expect(groupKey(s, strict)).toBe(p[`group_key_src_${mode}`])
        expect(book.newBucketFor(a, s)).toBe(p[`new_bucket_${mode}`])
        expect(book.oldBucketFor(a)).toBe(p[`old_bucket_${mode}`])
      })
    })
  }

  it('hashes exactly the bytes Go hashes (non-strict intermediates of every pair)', () => {
    const hasher = new BucketHasher(vectors.addrbook_key, hashKey)
    const enc = (s: string): string => Buffer.from(s).toString('hex')
    for (const p of vectors.pairs) {
      const a = addr(p.addr)
      const ga = groupKey(a, false)
      const gs = groupKey(addr(p.src), false)
      const h1 = Number(BigInt(`0x${p.nonstrict_new_hash1_hex}`) % 32n)
      expect(enc(vectors.addrbook_key + ga + gs)).toBe(p.nonstrict_new_data1_hex)
      expect(enc(vectors.addrbook_key + gs) + h1.toString(16).padStart(16, '0')).toBe(p.nonstrict_new_data2_hex)
      const o1 = Number(BigInt(`0x${p.nonstrict_old_hash1_hex}`) % 4n)
      expect(enc(vectors.addrbook_key + netAddressString(a))).toBe(p.nonstrict_old_data1_hex)
      expect(enc(vectors.addrbook_key + ga) + o1.toString(16).padStart(16, '0')).toBe(p.nonstrict_old_data2_hex)
      expect(hasher.newBucket(ga, gs)).toBe(Number(BigInt(`0x${p.nonstrict_new_hash2_hex}`) % 256n))
      expect(hasher.oldBucket(netAddressString(a), ga)).toBe(Number(BigInt(`0x${p.nonstrict_old_hash2_hex}`) % 64n))
    }
  })
})
