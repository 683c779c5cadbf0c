import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { peekDelimited } from '@p2p/types/wire'
import { nodeCryptoAead } from '../src/secret/aead.js'
import { nodeKeyFromSeed } from '../src/secret/ed25519.js'
import { FrameReader } from '../src/secret/frame-reader.js'
import { FrameWriter } from '../src/secret/frame-writer.js'
import { secretHandshake } from '../src/secret/handshake.js'
import {
  decodeAuthSigMessage,
  decodeBytesValue,
  ed25519KeyFromProto,
  encodeAuthSigMessageDelimited,
  encodeBytesValueDelimited
} from '../src/secret/proto.js'
import { duplexPair } from './secret-helpers.js'

const NETWORK_ERRORS = new Set(['ProtocolError', 'MessageTooLargeError'])
const RUNS = 300

/** Runs `fn`; any throw must be one of our typed network errors. */
function onlyTypedErrors(fn: () => void): void {
  try {
    fn()
  } catch (err) {
    expect(NETWORK_ERRORS.has((err as Error).name), String(err)).toBe(true)
  }
}

/** Splits `bytes` at the given cut points (sorted, deduplicated). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const parts: Uint8Array[] = []
  let prev = 0
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.subarray(prev, p))
    prev = p
  }
  return parts
}

const key = crypto.getRandomValues(new Uint8Array(32))

describe('frame reader (fuzz)', () => {
  it('returns exactly what was written, whatever the write sizes and the TCP chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (writes, cuts) => {
          const writer = new FrameWriter(nodeCryptoAead.create(key))
          const reader = new FrameReader(nodeCryptoAead.create(key))
          const wire = Buffer.concat(writes.map((w) => writer.seal(w)))
          const out: Uint8Array[] = []
          for (const part of split(wire, cuts)) {
            reader.push(part)
            const data = reader.readFrames()
            if (data !== undefined) out.push(data)
          }
          expect(Buffer.concat(out)).toEqual(Buffer.concat(writes))
          expect(reader.bufferedBytes).toBe(0)
        }
      ),
      { numRuns: RUNS }
    )
  })

  it('never throws anything but ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
        const reader = new FrameReader(nodeCryptoAead.create(key))
        reader.push(bytes)
        onlyTypedErrors(() => reader.readFrames())
      }),
      { numRuns: RUNS }
    )
  })

  it('on any corrupted byte, delivers only frames before it, then throws ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 4000 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (data, at, flip) => {
        const writer = new FrameWriter(nodeCryptoAead.create(key))
        const reader = new FrameReader(nodeCryptoAead.create(key))
        const wire = new Uint8Array(writer.seal(data))
        const pos = at % wire.length
        wire[pos] = (wire[pos] as number) ^ flip
        reader.push(wire)
        const goodFrames = Math.floor(pos / 1044)
        const before = reader.readFrames(goodFrames)
        expect(Buffer.from(before ?? new Uint8Array(0))).toEqual(Buffer.from(data.subarray(0, goodFrames * 1024)))
        expect(() => reader.readFrames()).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
      }),
      { numRuns: RUNS }
    )
  })
})

describe('handshake message decoders (fuzz)', () => {
  it('BytesValue / AuthSigMessage / PublicKey decoders only throw typed errors on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyTypedErrors(() => decodeBytesValue(bytes))
        onlyTypedErrors(() => ed25519KeyFromProto(decodeAuthSigMessage(bytes).pubKey))
        onlyTypedErrors(() => peekDelimited(bytes, 1024 * 1024))
      }),
      { numRuns: RUNS * 3 }
    )
  })

  it('decoders survive structured garbage (valid tags, wrong types, groups, truncation)', () => {
    const field = fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 40 }))
    fc.assert(
      fc.property(fc.array(field, { maxLength: 6 }), fc.nat(), (fields, cut) => {
        const bytes = Uint8Array.from(fields.flatMap(([n, w, b]) => [n * 8 + w, ...(w === 2 ? [b.length] : []), ...b]))
        const truncated = bytes.subarray(0, cut % (bytes.length + 1))
        for (const input of [bytes, truncated]) {
          onlyTypedErrors(() => decodeBytesValue(input))
          onlyTypedErrors(() => ed25519KeyFromProto(decodeAuthSigMessage(input).pubKey))
        }
      }),
      { numRuns: RUNS }
    )
  })

  it('round-trips what we encode', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), (pub, sig) => {
        const enc = encodeAuthSigMessageDelimited(pub, sig)
        const peek = peekDelimited(enc, 1024 * 1024)
        if (!peek.complete) throw new Error('incomplete')
        const dec = decodeAuthSigMessage(enc.subarray(peek.offset, peek.offset + peek.length))
        expect(ed25519KeyFromProto(dec.pubKey)).toEqual(pub)
        expect(dec.sig).toEqual(sig)
        const ev = encodeBytesValueDelimited(pub)
        expect(ev.length).toBe(35)
        expect(decodeBytesValue(ev.subarray(1))).toEqual(pub)
      }),
      { numRuns: RUNS }
    )
  })
})

describe('handshake against random bytes (fuzz)', () => {
  it('always fails with a typed handshake error and destroys the stream', async () => {
    const ourKey = nodeKeyFromSeed(new Uint8Array(32).fill(3))
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 5 }), async (garbage, cuts) => {
        const [ours, theirs] = duplexPair()
        theirs.on('data', () => {})
        const result = secretHandshake(ours, ourKey, { timeoutMs: 1000 })
        for (const part of split(garbage, cuts)) theirs.write(part)
        theirs.end()
        const err = (await result.then(
          () => new Error('unexpected success'),
          (e: unknown) => e
        )) as Error
        expect(err.name).toBe('HandshakeError')
        expect(ours.destroyed).toBe(true)
      }),
      { numRuns: 100 }
    )
  })
})
