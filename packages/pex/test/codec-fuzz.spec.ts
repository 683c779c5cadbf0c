import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodePexMessage, encodePexAddrs, MAX_PEX_MESSAGE_SIZE } from '../src/messages.js'
import { varint } from './helpers/fakes.js'

/*
 * Hostile input for the PEX decoder: protobuf-shaped bytes built from random fields (any field
 * number and wire type, lengths that lie, nesting) rather than uniform noise, so the fuzzer gets
 * past the first tag. The decoder may only return a message or throw ProtocolError /
 * MessageTooLargeError, and nothing it returns is bigger than what it was given.
 */

type Field = number[]
const fieldArb: fc.Memo<Field> = fc.memo((depth) => {
  const tag = fc.tuple(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 ** 29 })), fc.integer({ min: 0, max: 7 }))
  const body: fc.Arbitrary<number[]> =
    depth <= 1
      ? fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 12 })
      : fc.array(fieldArb(depth - 1), { maxLength: 4 }).map((fs) => fs.flat())
  return fc.tuple(tag, body, fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 }), fc.constant(2 ** 40))).map(([[f, w], b, lie]) => {
    const t = varint(f * 8 + w)
    if (w === 2) return [...t, ...varint(Math.max(0, b.length + lie)), ...b]
    if (w === 0) return [...t, ...varint(b.length * 1000 + lie * lie)]
    return [...t, ...b.slice(0, w === 1 ? 8 : w === 5 ? 4 : 0)]
  })
})

const hostile = fc.array(fieldArb(3), { maxLength: 6 }).map((fs) => Uint8Array.from(fs.flat()))

describe('PEX codec fuzz (fast-check)', () => {
  it('structured hostile bytes: a bounded message or a typed error, nothing else', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 5 }), (bytes, maxAddrs) => {
        try {
          const m = decodePexMessage(bytes, { maxAddrs })
          if (m.type === 'addrs') {
            expect(m.addrs.length).toBeLessThanOrEqual(maxAddrs)
            for (const a of m.addrs) {
              expect(a.id.length + a.ip.length).toBeLessThanOrEqual(bytes.length)
              expect(a.port).toBeLessThanOrEqual(0xffffffff)
            }
          }
        } catch (err) {
          expect(['ProtocolError', 'MessageTooLargeError']).toContain((err as Error).name)
        }
      }),
      { numRuns: Number(process.env.PEX_FUZZ_RUNS ?? 1500) }
    )
  })

  it('a length that lies by up to 2^63 is refused before anything is sliced or allocated', () => {
    for (const len of [2 ** 31, 2 ** 32 + 5, 2 ** 53, 2 ** 62, 2 ** 63 - 1]) {
      const bytes = Uint8Array.from([0x12, ...varint(len), 0x0a, 0x00])
      expect(() => decodePexMessage(bytes)).toThrowError(expect.objectContaining({ name: 'ProtocolError' }))
    }
  })

  it('the address count is checked before the address is decoded: the 251st is refused even if malformed', () => {
    const ok = encodePexAddrs(Array.from({ length: 250 }, () => ({ id: 'a', ip: '1.2.3.4', port: 1 })))
    // Rebuild the list with a 251st entry whose body is broken (a bad wire type for the port).
    const inner = ok.subarray(ok.indexOf(0x0a, 1))
    const broken = [0x0a, 0x02, 0x1a, 0x00]
    const list = [...inner, ...broken]
    const msg = Uint8Array.from([0x12, ...varint(list.length), ...list])
    expect(() => decodePexMessage(msg)).toThrowError(expect.objectContaining({ name: 'MessageTooLargeError' }))
    // With room for it, the same entry is decoded and refused for what it is.
    expect(() => decodePexMessage(msg, { maxAddrs: 251 })).toThrowError(expect.objectContaining({ name: 'ProtocolError' }))
  })

  it('the whole channel capacity of 2-byte entries decodes in bounded time and memory at maxAddrs', () => {
    const n = Math.floor((MAX_PEX_MESSAGE_SIZE - 4) / 2)
    const msg = encodePexAddrs(Array.from({ length: n }, () => ({ id: '', ip: '', port: 0 })))
    expect(msg.length).toBeLessThanOrEqual(MAX_PEX_MESSAGE_SIZE)
    expect(() => decodePexMessage(msg)).toThrowError(/more than 250 addresses/)
  })
})
