import type { NodeKey } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { nodeCryptoAead } from '../src/secret/aead.js'
import { ed25519Verify, nodeKeyFromSeed } from '../src/secret/ed25519.js'
import { FrameReader } from '../src/secret/frame-reader.js'
import { FrameWriter } from '../src/secret/frame-writer.js'
import { runSecretHandshake, secretHandshake } from '../src/secret/handshake.js'
import { nativeArg, offHeapBuffer, offHeapBytes, pooledBytes } from '../src/secret/off-heap.js'
import { encodeAuthSigMessageDelimited } from '../src/secret/proto.js'
import { computeSharedSecret, generateEphemeralKeyPair } from '../src/secret/x25519.js'
import { duplexPair, record, until } from './secret-helpers.js'

const randomKey = (): NodeKey => nodeKeyFromSeed(crypto.getRandomValues(new Uint8Array(32)))

describe('bytes kept outside V8 heap for native calls', () => {
  it('offHeapBytes hands out zeroed, disjoint views of shared slabs; large sizes get their own buffer', () => {
    const a = offHeapBytes(32)
    const b = offHeapBytes(12)
    expect([...a, ...b].every((x) => x === 0)).toBe(true)
    a.fill(0xff)
    expect(b.every((x) => x === 0)).toBe(true)
    // Views of a larger buffer, never arrays of their own (which V8 may keep on its heap).
    expect(a.buffer.byteLength).toBeGreaterThan(32)
    const big = offHeapBytes(1000)
    expect(big.buffer.byteLength).toBe(1000)
    // A full slab is replaced, not overrun.
    const views = Array.from({ length: 300 }, () => offHeapBytes(32))
    for (const v of views) expect(v.byteOffset + v.length).toBeLessThanOrEqual(v.buffer.byteLength)
  })

  it('nativeArg copies small arrays into the scratch (exact length) and passes larger ones through', () => {
    const scratch = offHeapBuffer(64)
    const small = Uint8Array.of(1, 2, 3)
    const arg = nativeArg(scratch, small)
    expect([...arg]).toEqual([1, 2, 3])
    expect(arg.buffer).toBe(scratch.buffer)
    expect(nativeArg(scratch, new Uint8Array(64)).length).toBe(64)
    const large = new Uint8Array(100)
    expect(nativeArg(scratch, large)).toBe(large)
  })

  it('pooledBytes is a plain Uint8Array on Node buffer pool', () => {
    const p = pooledBytes(35)
    expect(p).toHaveLength(35)
    expect(Buffer.isBuffer(p)).toBe(false)
    expect(p.buffer.byteLength).toBe(Buffer.poolSize)
  })
})

describe('results handed to callers never alias a scratch buffer', () => {
  it('signatures of consecutive calls are independent arrays, and verify', () => {
    const key = randomKey()
    const m1 = Uint8Array.of(1, 2, 3)
    const m2 = new Uint8Array(200).fill(7)
    const s1 = key.sign(m1)
    const copy = s1.slice()
    const s2 = key.sign(m2)
    expect(s1).toEqual(copy)
    expect(s1).not.toEqual(s2)
    expect(ed25519Verify(key.publicKey, m1, s1)).toBe(true)
    expect(ed25519Verify(key.publicKey, m2, s2)).toBe(true)
    expect(ed25519Verify(key.publicKey, m2, s1)).toBe(false)
  })

  it('shared secrets are independent arrays; wiping one pair leaves another intact', () => {
    const a = generateEphemeralKeyPair()
    const b = generateEphemeralKeyPair()
    const c = generateEphemeralKeyPair()
    const ab = computeSharedSecret(a.privateKey, b.publicKey) as Uint8Array
    const abCopy = ab.slice()
    const ac = computeSharedSecret(a.privateKey, c.publicKey) as Uint8Array
    expect(ab).toEqual(abCopy)
    expect(ac).not.toEqual(ab)
    const bPublic = b.publicKey.slice()
    a.privateKey.fill(0)
    expect(b.publicKey).toEqual(bPublic)
    expect(computeSharedSecret(b.privateKey, c.publicKey)).toEqual(computeSharedSecret(c.privateKey, b.publicKey))
  })
})

describe('set-up messages read from the buffer pool', () => {
  it('readFramePooled opens the next frame as readFrames(1) does', () => {
    const key = new Uint8Array(32).fill(9)
    const writer = new FrameWriter(nodeCryptoAead.create(key))
    const sealed = writer.seal(new Uint8Array(1500).map((_, i) => i & 0xff))
    const a = new FrameReader(nodeCryptoAead.create(key))
    const b = new FrameReader(nodeCryptoAead.create(key))
    a.push(sealed)
    b.push(sealed)
    for (let i = 0; i < 2; i++) expect(b.readFramePooled()).toEqual(a.readFrames(1))
    expect(b.readFramePooled()).toBeUndefined()
  })

  it('bytes after the NodeInfo in its frame reach the connection as a copy, not a view of the pool', async () => {
    const [x, y] = duplexPair()
    const [cx, cy] = await Promise.all([secretHandshake(x, randomKey()), secretHandshake(y, randomKey())])
    // One write, one frame: a delimited 3-byte message, then 5 bytes for the started connection.
    cx.write(Uint8Array.of(3, 1, 2, 3, 9, 8, 7, 6, 5))
    expect([...(await cy.readMessage(100))]).toEqual([1, 2, 3])
    const got = record(cy)
    await until(() => got.bytes().length >= 5, 'rest')
    expect([...got.bytes()]).toEqual([9, 8, 7, 6, 5])
    expect(got.chunks[0]?.buffer.byteLength).toBe(5)
    cx.close()
    cy.close()
  })

  it('early data behind the peer signature reaches a started connection as a copy, not a view of the pool', async () => {
    const [x, y] = duplexPair()
    const early = Uint8Array.of(1, 2, 3, 4, 5, 6, 7)
    const [cx, cy] = await Promise.all([secretHandshake(x, randomKey()), runSecretHandshake(y, randomKey(), {}, {}, { earlyData: early })])
    const got = record(cx)
    await until(() => got.bytes().length >= early.length, 'early data')
    expect([...got.bytes()]).toEqual([...early])
    expect(got.chunks[0]?.buffer.byteLength).toBe(early.length)
    cx.close()
    cy.close()
  })

  it('the AuthSig message carries the early data behind it in one array', () => {
    const pub = new Uint8Array(32).fill(1)
    const sig = new Uint8Array(64).fill(2)
    const alone = encodeAuthSigMessageDelimited(pub, sig)
    const withTail = encodeAuthSigMessageDelimited(pub, sig, Uint8Array.of(5, 6))
    expect(alone).toHaveLength(103)
    expect([...withTail]).toEqual([...alone, 5, 6])
  })
})
