import { readFileSync } from 'node:fs'
import { MessageTooLargeError, NetAddressError, ProtocolError } from '@p2p/types'
import fc from 'fast-check'
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import {
  decodePexMessage,
  encodePexAddrs,
  encodePexRequest,
  MAX_PEX_MESSAGE_SIZE,
  netAddressesFromProto,
  type PexMessage,
  pexMessageType,
  type ProtoNetAddress
} from '../src/messages.js'
import { varint } from './helpers/fakes.js'

interface DecodeRow {
  message_hex: string
  unwrapped_type?: string
  error: string | null
  note?: string
}
interface Vectors {
  channel: number
  decode: DecodeRow[]
  limits: Record<string, number>
  messages: Array<{ desc: string; message_hex: string; addrs?: ProtoNetAddress[] }>
}

const vectors = JSON.parse(readFileSync(new URL('./fixtures/pex_messages.json', import.meta.url), 'utf8')) as Vectors
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** pex.proto + types.proto as an independent reference. */
const root = protobuf.Root.fromJSON({
  nested: {
    NetAddress: { fields: { id: { type: 'string', id: 1 }, ip: { type: 'string', id: 2 }, port: { type: 'uint32', id: 3 } } },
    PexRequest: { fields: {} },
    PexAddrs: { fields: { addrs: { rule: 'repeated', type: 'NetAddress', id: 1 } } },
    Message: {
      oneofs: { sum: { oneof: ['pexRequest', 'pexAddrs'] } },
      fields: { pexRequest: { type: 'PexRequest', id: 1 }, pexAddrs: { type: 'PexAddrs', id: 2 } }
    }
  }
})
const PbMessage = root.lookupType('Message')

function referenceEncode(m: PexMessage): Uint8Array {
  if (m.type === 'request') return PbMessage.encode(PbMessage.fromObject({ pexRequest: {} })).finish()
  // protobufjs writes a repeated message element even when empty, as gogo's nullable=false does.
  const addrs = m.addrs.map((a) => ({ ...(a.id !== '' ? { id: a.id } : {}), ...(a.ip !== '' ? { ip: a.ip } : {}), ...(a.port !== 0 ? { port: a.port } : {}) }))
  return PbMessage.encode(PbMessage.fromObject({ pexAddrs: { addrs } })).finish()
}

/** protobufjs' view, or undefined when it refuses or sees other than exactly one member. */
function referenceDecode(bytes: Uint8Array): PexMessage | undefined {
  let decoded: Record<string, unknown>
  try {
    decoded = PbMessage.toObject(PbMessage.decode(bytes), { defaults: true, arrays: true }) as Record<string, unknown>
  } catch {
    return undefined
  }
  const raw = PbMessage.decode(bytes) as unknown as Record<string, unknown>
  const members = ['pexRequest', 'pexAddrs'].filter((k) => raw[k] != null)
  if (members.length !== 1) return undefined
  if (members[0] === 'pexRequest') return { type: 'request' }
  const addrs = (decoded.pexAddrs as { addrs: Array<{ id: string; ip: string; port: number }> }).addrs
  return { type: 'addrs', addrs: addrs.map((a) => ({ id: a.id, ip: a.ip, port: a.port })) }
}

describe('PEX messages: Go vectors', () => {
  it.each(vectors.messages.map((m) => [m.desc, m] as const))('%s: encodes byte-exact and decodes back', (_d, m) => {
    const bytes = hex(m.message_hex)
    if (m.addrs === undefined) {
      expect(toHex(encodePexRequest())).toBe(m.message_hex)
      expect(decodePexMessage(bytes)).toEqual({ type: 'request' })
    } else {
      expect(toHex(encodePexAddrs(m.addrs))).toBe(m.message_hex)
      expect(decodePexMessage(bytes)).toEqual({ type: 'addrs', addrs: m.addrs })
      expect(netAddressesFromProto(m.addrs)).toEqual(m.addrs)
    }
    expect(toHex(referenceEncode(decodePexMessage(bytes)))).toBe(m.message_hex)
  })

  it('TestPexVectors (pex_reactor_test.go): PexRequest = 0a00, one address {1, 127.0.0.1, 9090}', () => {
    expect(toHex(encodePexRequest())).toBe('0a00')
    expect(toHex(encodePexAddrs([{ id: '1', ip: '127.0.0.1', port: 9090 }]))).toBe('12130a110a013112093132372e302e302e31188247')
  })

  it.each(vectors.decode.map((r) => [`${r.message_hex || '(empty)'} -> ${r.error ?? r.unwrapped_type}`, r] as const))(
    'decode %s',
    (_n, row) => {
      const bytes = hex(row.message_hex)
      const err = row.error
      if (err === null || err.startsWith('NetAddressesFromProto')) {
        const msg = decodePexMessage(bytes)
        expect(msg.type).toBe(row.unwrapped_type === '*p2p.PexRequest' ? 'request' : 'addrs')
        if (err === null) {
          if (msg.type === 'addrs') expect(() => netAddressesFromProto(msg.addrs)).not.toThrow()
        } else {
          if (msg.type !== 'addrs') throw new Error('expected addrs')
          const failure = (() => {
            try {
              netAddressesFromProto(msg.addrs)
            } catch (e) {
              return e as Error
            }
            return undefined
          })()
          expect(failure?.name).toBe(NetAddressError.name)
          expect(`NetAddressesFromProto: ${failure?.message}`).toBe(err)
        }
      } else {
        expect(() => decodePexMessage(bytes)).toThrow(ProtocolError)
        try {
          decodePexMessage(bytes)
        } catch (e) {
          expect((e as Error).name).toBe('ProtocolError')
          // "unwrap: unknown pex message: <nil>" and "unmarshal: unexpected EOF" as Go says them.
          expect((e as Error).message).toBe(err)
        }
      }
    }
  )

  it("pexMessageType: Go's message_type label of each decodable vector (ValueToMetricLabel of its unwrapped Go type)", () => {
    const rows = vectors.decode.filter((r) => r.error === null && r.unwrapped_type !== undefined)
    expect(rows.length).toBeGreaterThan(1)
    for (const row of rows) {
      // Go p2p/metrics.go: `\*?(\w+)\.(.*)` on reflect.TypeOf(msg).String(), joined with "_"
      const m = /\*?(\w+)\.(.*)/.exec(row.unwrapped_type as string)
      expect(pexMessageType(hex(row.message_hex))).toBe(`${m?.[1]}_${m?.[2]}`)
    }
    expect(new Set(rows.map((r) => pexMessageType(hex(r.message_hex))))).toEqual(new Set(['p2p_PexRequest', 'p2p_PexAddrs']))
    expect(pexMessageType(new Uint8Array(0))).toBeUndefined()
    expect(pexMessageType(Uint8Array.of(0x1a, 0x00))).toBeUndefined()
  })

  it('the limits of the vectors are the defaults', () => {
    expect(MAX_PEX_MESSAGE_SIZE).toBe(vectors.limits['max_msg_size (RecvMessageCapacity of channel 0x00)'])
    expect(vectors.limits.max_get_selection).toBe(250)
  })
})

describe('PEX decoder: Go leniency, strict lengths', () => {
  const tag = (field: number, wire: number): number[] => varint(field * 8 + wire)
  const len = (field: number, data: number[]): number[] => [...tag(field, 2), ...varint(data.length), ...data]
  const ascii = (s: string): number[] => [...Buffer.from(s)]

  it('skips unknown fields of every wire type, in any order, and the last member wins', () => {
    const addr = [
      ...tag(3, 0), 0x90, 0x03, // port first
      ...tag(9, 5), 1, 2, 3, 4,
      ...len(2, ascii('1.2.3.4')),
      ...tag(10, 3), ...tag(1, 0), 5, ...tag(10, 4), // a group
      ...len(1, ascii('ab'))
    ]
    const msg = [...len(1, [...tag(7, 1), 1, 2, 3, 4, 5, 6, 7, 8]), ...len(2, len(1, addr)), ...tag(20, 0), 1]
    expect(decodePexMessage(Uint8Array.from(msg))).toEqual({ type: 'addrs', addrs: [{ id: 'ab', ip: '1.2.3.4', port: 400 }] })
    expect(decodePexMessage(Uint8Array.from([...len(2, []), ...len(1, [])]))).toEqual({ type: 'request' })
  })

  it('a port varint keeps its low 32 bits, as a Go uint32', () => {
    const port = [0xff, 0xff, 0xff, 0xff, 0x1f] // 2^35 - 1
    const msg = decodePexMessage(Uint8Array.from(len(2, len(1, [...tag(3, 0), ...port]))))
    expect(msg).toEqual({ type: 'addrs', addrs: [{ id: '', ip: '', port: 0xffffffff }] })
  })

  it.each([
    ['wrong wire type for pex_addrs', [...tag(2, 0), 1]],
    ['wrong wire type for addrs', len(2, [...tag(1, 0), 1])],
    ['wrong wire type for port', len(2, len(1, [...tag(3, 2), 0]))],
    ['wrong wire type for id', len(2, len(1, [...tag(1, 0), 0]))],
    ['address longer than the list', [...tag(2, 2), 2, ...tag(1, 2), 9]],
    ['length with bit 63 set', [...tag(2, 2), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['varint of 11 bytes', [...tag(9, 0), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]],
    ['field number 0', [0x02, 0x00]],
    ['end group at top level', [...tag(5, 4)]],
    ['unterminated group', [...tag(9, 3), ...tag(1, 0), 1]],
    ['illegal wire type 7', [...tag(9, 7)]],
    ['fixed32 past the end', [...tag(9, 5), 1]],
    ['only unknown fields', [...tag(4, 0), 1]],
    ['a malformed first member, though a later one is fine', [...len(2, [...tag(1, 0), 1]), ...len(1, [])]]
  ])('rejects %s with ProtocolError', (_n, bytes) => {
    expect(() => decodePexMessage(Uint8Array.from(bytes))).toThrow(ProtocolError)
  })

  it('more than maxAddrs addresses: MessageTooLargeError on the one too many', () => {
    const ten = new Array(10).fill(len(1, [])).flat()
    expect(() => decodePexMessage(Uint8Array.from(len(2, ten)), { maxAddrs: 9 })).toThrow(MessageTooLargeError)
    expect(decodePexMessage(Uint8Array.from(len(2, ten)), { maxAddrs: 10 })).toMatchObject({ type: 'addrs' })
    // 10,000 empty addresses fit in 20 kB: refused at the 251st by default.
    const many = encodePexAddrs(Array.from({ length: 10_000 }, () => ({ id: '', ip: '', port: 0 })))
    expect(many.length).toBeLessThan(MAX_PEX_MESSAGE_SIZE)
    expect(() => decodePexMessage(many)).toThrowError(/more than 250 addresses/)
  })

  it('a message over maxBytes is refused before it is read', () => {
    expect(() => decodePexMessage(new Uint8Array(MAX_PEX_MESSAGE_SIZE + 1))).toThrow(MessageTooLargeError)
    expect(() => decodePexMessage(Uint8Array.from([0x0a, 0x00, 0x00]), { maxBytes: 2 })).toThrow(MessageTooLargeError)
  })

  it('non-ASCII strings round-trip through UTF-8', () => {
    const addrs = [{ id: 'é'.repeat(40), ip: '∞', port: 1 }]
    const bytes = encodePexAddrs(addrs)
    expect(toHex(bytes)).toBe(toHex(referenceEncode({ type: 'addrs', addrs })))
    expect(decodePexMessage(bytes)).toEqual({ type: 'addrs', addrs })
  })

  it('the encoder refuses a port that is not a uint32', () => {
    expect(() => encodePexAddrs([{ id: 'a', ip: '1.2.3.4', port: -1 }])).toThrow(ProtocolError)
    expect(() => encodePexAddrs([{ id: 'a', ip: '1.2.3.4', port: 2 ** 32 }])).toThrow(ProtocolError)
  })
})

describe('PEX codec: properties (fast-check)', () => {
  const addrArb: fc.Arbitrary<ProtoNetAddress> = fc.record({
    id: fc.oneof(fc.constant(''), fc.stringMatching(/^[0-9a-f]{40}$/), fc.string({ maxLength: 50 })),
    ip: fc.oneof(fc.constant(''), fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })),
    port: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 0xffffffff }))
  })
  const messageArb: fc.Arbitrary<PexMessage> = fc.oneof(
    fc.constant<PexMessage>({ type: 'request' }),
    fc.record({ type: fc.constant('addrs' as const), addrs: fc.array(addrArb, { maxLength: 60 }) })
  )

  it('encodes exactly as protobufjs, and decodes both its own and protobufjs bytes', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const ours = m.type === 'request' ? encodePexRequest() : encodePexAddrs(m.addrs)
        const theirs = referenceEncode(m)
        expect(toHex(ours)).toBe(toHex(theirs))
        expect(decodePexMessage(ours, { maxAddrs: 1000 })).toEqual(m)
        expect(referenceDecode(ours)).toEqual(m)
      }),
      { numRuns: 400 }
    )
  })

  it('random bytes: a message or a typed error, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        try {
          decodePexMessage(bytes, { maxAddrs: 3 })
        } catch (err) {
          expect(['ProtocolError', 'MessageTooLargeError']).toContain((err as Error).name)
        }
      }),
      { numRuns: 3000 }
    )
  })

  it('mutated valid messages agree with protobufjs whenever both accept a single member', () => {
    fc.assert(
      fc.property(messageArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (m, edits) => {
        const bytes = (m.type === 'request' ? encodePexRequest() : encodePexAddrs(m.addrs)).slice()
        for (const [at, value] of edits) bytes[at % bytes.length] = value
        let ours: PexMessage | undefined
        try {
          ours = decodePexMessage(bytes, { maxAddrs: 1000 })
        } catch (err) {
          expect(['ProtocolError', 'MessageTooLargeError']).toContain((err as Error).name)
        }
        const theirs = referenceDecode(bytes)
        // protobufjs reads a known field whatever its wire type, and strings as lossy UTF-8 too;
        // compare where both accepted.
        const lossy = ours !== undefined && JSON.stringify(ours).includes('\ufffd')
        if (ours !== undefined && theirs !== undefined && !lossy) expect(ours).toEqual(theirs)
        // What protobufjs refuses (truncation, bad lengths) we refuse too.
        if (theirs === undefined && !hasSingleMemberOrFails(bytes)) expect(ours).toBeUndefined()
      }),
      { numRuns: 1500 }
    )
  })

  it('netAddressesFromProto: the Go conversion errors, or addresses that print back the same', () => {
    fc.assert(
      fc.property(fc.array(addrArb, { maxLength: 5 }), (addrs) => {
        try {
          const out = netAddressesFromProto(addrs)
          out.forEach((a, i) => {
            expect(a.id).toBe(addrs[i]?.id)
            expect(a.port).toBe(addrs[i]?.port)
          })
        } catch (err) {
          expect((err as Error).name).toBe('NetAddressError')
          expect((err as NetAddressError).kind === 'invalid-ip' || (err as NetAddressError).kind === 'invalid-port').toBe(true)
        }
      }),
      { numRuns: 500 }
    )
  })
})

/** True when protobufjs accepts the bytes but sees zero or two members (not comparable). */
function hasSingleMemberOrFails(bytes: Uint8Array): boolean {
  try {
    PbMessage.decode(bytes)
    return true
  } catch {
    return false
  }
}
