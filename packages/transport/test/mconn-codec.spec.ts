import { readFileSync } from 'node:fs'
import { MessageTooLargeError, ProtocolError } from '@p2p/types'
import fc from 'fast-check'
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { encodeUvarint } from '@p2p/types/wire'
import { Channel } from '../src/mconn/channel.js'
import { resolveChannelDescriptors } from '../src/mconn/options.js'
import {
  channelPayloadSize,
  decodePacket,
  delimitedPacketMsgSize,
  encodePacket,
  maxPacketMsgSize,
  type Packet,
  PacketView
} from '../src/mconn/packet-codec.js'
import { PacketReader } from '../src/mconn/packet-reader.js'

interface PacketRow {
  desc: string
  delimited_hex: string
  delimited_len: number | string
}
interface Vectors {
  max_packet_msg_size: { max_payload_1024: number }
  message_3000_split: { message_hex: string; packets: PacketRow[]; wire_hex: string; wire_len: number }
  packets: PacketRow[]
}
interface PexVectors {
  channel: number
  messages: Array<{ desc: string; channel: string; message_hex: string; packet_msg_delimited_hex: string }>
}

const vectors = JSON.parse(readFileSync(new URL('./fixtures/mconnection_packets.json', import.meta.url), 'utf8')) as Vectors
const pex = JSON.parse(readFileSync(new URL('./fixtures/pex_messages.json', import.meta.url), 'utf8')) as PexVectors

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** conn.proto as an independent reference decoder/encoder. */
const root = protobuf.Root.fromJSON({
  nested: {
    PacketPing: { fields: {} },
    PacketPong: { fields: {} },
    PacketMsg: {
      fields: { channelId: { type: 'int32', id: 1 }, eof: { type: 'bool', id: 2 }, data: { type: 'bytes', id: 3 } }
    },
    Packet: {
      oneofs: { sum: { oneof: ['packetPing', 'packetPong', 'packetMsg'] } },
      fields: {
        packetPing: { type: 'PacketPing', id: 1 },
        packetPong: { type: 'PacketPong', id: 2 },
        packetMsg: { type: 'PacketMsg', id: 3 }
      }
    }
  }
})
const PbPacket = root.lookupType('Packet')

function referenceDecode(delimited: Uint8Array): Packet {
  const m = PbPacket.toObject(PbPacket.decodeDelimited(delimited), { defaults: true, bytes: Array, oneofs: true }) as {
    sum?: string
    packetMsg?: { channelId: number; eof: boolean; data: number[] }
  }
  if (m.sum === 'packetPing') return { type: 'ping' }
  if (m.sum === 'packetPong') return { type: 'pong' }
  const msg = m.packetMsg as { channelId: number; eof: boolean; data: number[] }
  return { type: 'msg', channelId: msg.channelId, eof: msg.eof, data: Uint8Array.from(msg.data) }
}

function referenceEncode(p: Packet): Uint8Array {
  const obj =
    p.type === 'ping'
      ? { packetPing: {} }
      : p.type === 'pong'
        ? { packetPong: {} }
        : {
            // Set fields only when not the proto3 default, as gogo's marshaller omits them.
            packetMsg: {
              ...(p.channelId !== 0 ? { channelId: p.channelId } : {}),
              ...(p.eof ? { eof: true } : {}),
              ...(p.data.length > 0 ? { data: p.data } : {})
            }
          }
  return PbPacket.encodeDelimited(PbPacket.fromObject(obj)).finish()
}

/** Splits a delimited packet into its body. */
function body(delimited: Uint8Array): Uint8Array {
  let i = 0
  while ((delimited[i] as number) >= 0x80) i++
  return delimited.subarray(i + 1)
}

function normalise(p: Packet): unknown {
  return p.type === 'msg' ? { ...p, data: toHex(p.data) } : p
}

/** What the vector's description says about the packet. */
function describedFields(desc: string): { type: string; channelId?: number; eof?: boolean } {
  if (desc.startsWith('PacketPing')) return { type: 'ping' }
  if (desc.startsWith('PacketPong')) return { type: 'pong' }
  const m = /ch=(0x[0-9a-f]+|\d+) eof=(true|false)/.exec(desc)
  if (m === null) throw new Error(`cannot read ${desc}`)
  return { type: 'msg', channelId: Number(m[1]), eof: m[2] === 'true' }
}

const allRows: PacketRow[] = [...vectors.packets, ...vectors.message_3000_split.packets]

describe('packet codec: Go vectors', () => {
  it.each(allRows.map((r) => [r.desc, r] as const))('%s: decode, re-encode byte-exact', (_desc, row) => {
    const delimited = hex(row.delimited_hex)
    expect(delimited.length).toBe(Number(row.delimited_len))
    const ours = decodePacket(body(delimited))
    expect(normalise(ours)).toEqual(normalise(referenceDecode(delimited)))
    expect(ours).toMatchObject(describedFields(row.desc))
    expect(toHex(encodePacket(ours))).toBe(row.delimited_hex)
    if (ours.type === 'msg') expect(delimitedPacketMsgSize(ours.channelId, ours.eof, ours.data.length)).toBe(delimited.length)
  })

  it.each(pex.messages.map((m) => [m.desc, m] as const))('PEX on channel 0: %s', (_desc, m) => {
    const packet: Packet = { type: 'msg', channelId: Number(m.channel), eof: true, data: hex(m.message_hex) }
    expect(toHex(encodePacket(packet))).toBe(m.packet_msg_delimited_hex)
    expect(normalise(decodePacket(body(hex(m.packet_msg_delimited_hex))))).toEqual(normalise(packet))
  })

  it('worked examples of facts §1.7 and TestConnVectors', () => {
    expect(toHex(encodePacket({ type: 'msg', channelId: 0x20, eof: true, data: new TextEncoder().encode('abc') }))).toBe(
      '0b1a0908201001' + '1a03616263'
    )
    const data = new TextEncoder().encode('data transmitted over the wire')
    expect(toHex(body(encodePacket({ type: 'msg', channelId: 1, eof: false, data })))).toBe(
      '1a2208011a1e64617461207472616e736d6974746564206f766572207468652077697265'
    )
  })

  it('max_packet_msg_size: 1034 for payload 1024, measured on channel 0x01', () => {
    expect(maxPacketMsgSize(1024)).toBe(vectors.max_packet_msg_size.max_payload_1024)
    // Every vector packet at or under the limit is read; the ones over it are refused.
    const limit = maxPacketMsgSize(1024)
    for (const row of allRows) {
      const delimited = hex(row.delimited_hex)
      const size = body(delimited).length
      const reader = new PacketReader(limit)
      reader.push(delimited)
      if (size <= limit) {
        expect(reader.next(new PacketView())).toBe(delimited.length)
      } else {
        expect(() => reader.next(new PacketView())).toThrow(MessageTooLargeError)
      }
    }
  })

  it('channel >= 0x80 edge: Go would send 1035 bytes, which Go rejects; we cut one byte less', () => {
    const row = vectors.packets.find((r) => r.desc.includes('1035 bytes')) as PacketRow
    const reader = new PacketReader(maxPacketMsgSize(1024))
    reader.push(hex(row.delimited_hex))
    expect(() => reader.next(new PacketView())).toThrowError(new MessageTooLargeError(1035, 1034))
    expect(channelPayloadSize(0x99, 1024)).toBe(1023)
    expect(channelPayloadSize(0x7f, 1024)).toBe(1024)
    expect(channelPayloadSize(0x00, 1024)).toBe(1024)
    for (let ch = 0; ch < 256; ch++) {
      const p = channelPayloadSize(ch, 1024)
      expect(delimitedPacketMsgSize(ch, true, p) - 2).toBeLessThanOrEqual(1034)
    }
  })
})

describe('message splitting: the 3000-byte vector', () => {
  const split = vectors.message_3000_split
  const message = Uint8Array.from({ length: 3000 }, (_, i) => i % 251)

  it('the vector message is byte i = i % 251', () => {
    expect(toHex(message)).toBe(split.message_hex)
  })

  it('a channel cuts it into 1024 / 1024 / 952 with exactly Go wire bytes', () => {
    const [desc] = resolveChannelDescriptors([{ id: 0x20, priority: 1 }])
    const channel = new Channel(desc as NonNullable<typeof desc>, 1024)
    expect(channel.tryEnqueue(message)).toBe(true)
    const buf = new Uint8Array(8192)
    let pos = 0
    const packets: string[] = []
    while (channel.isSendPending()) {
      const next = channel.writeNextPacket(buf, pos)
      packets.push(toHex(buf.subarray(pos, next)))
      pos = next
    }
    expect(packets).toEqual(split.packets.map((p) => p.delimited_hex))
    expect(pos).toBe(split.wire_len)
    expect(toHex(buf.subarray(0, pos))).toBe(split.wire_hex)
    expect(channel.recentlySent).toBe(split.wire_len)
  })

  it('a channel reassembles it from the wire, however the bytes are chunked', () => {
    const wire = hex(split.wire_hex)
    for (const chunkSize of [1, 2, 3, 7, 100, 1033, 1034, 1035, 4096]) {
      const [desc] = resolveChannelDescriptors([{ id: 0x20, priority: 1 }])
      const channel = new Channel(desc as NonNullable<typeof desc>, 1024)
      const reader = new PacketReader(maxPacketMsgSize(1024))
      const view = new PacketView()
      const got: Uint8Array[] = []
      for (let off = 0; off < wire.length; off += chunkSize) {
        reader.push(wire.slice(off, off + chunkSize))
        while (reader.next(view) > 0) {
          const m = channel.receive(reader.buffer, view.dataStart, view.dataEnd, view.eof, reader.fromScratch)
          if (m !== undefined) got.push(m.slice())
        }
      }
      expect(got.map(toHex)).toEqual([split.message_hex])
    }
  })
})

describe('packet decoder: Go leniency, strict lengths', () => {
  const tag = (field: number, wire: number): number[] => Array.from(encodeUvarint(field * 8 + wire))
  const bytesField = (field: number, data: number[]): number[] => [...tag(field, 2), ...encodeUvarint(data.length), ...data]

  it('accepts fields in any order and skips unknown fields of every wire type', () => {
    const msg = [
      ...bytesField(3, [1, 2, 3]),
      ...tag(9, 0), 0x96, 0x01, // unknown varint
      ...tag(10, 1), 1, 2, 3, 4, 5, 6, 7, 8, // unknown fixed64
      ...tag(11, 5), 1, 2, 3, 4, // unknown fixed32
      ...bytesField(12, [9, 9]), // unknown bytes
      ...tag(13, 3), ...tag(1, 0), 5, ...tag(13, 4), // unknown group
      ...tag(2, 0), 1,
      ...tag(1, 0), 0x21
    ]
    const packet = [...tag(7, 0), 1, ...bytesField(3, msg), ...bytesField(20, [1])]
    expect(normalise(decodePacket(Uint8Array.from(packet)))).toEqual({ type: 'msg', channelId: 0x21, eof: true, data: '010203' })
  })

  it('the last oneof member wins; every member must still be well-formed', () => {
    const msg = bytesField(3, [...tag(1, 0), 5])
    expect(decodePacket(Uint8Array.from([...msg, ...bytesField(1, [])]))).toEqual({ type: 'ping' })
    expect(decodePacket(Uint8Array.from([...bytesField(2, []), ...msg])).type).toBe('msg')
    expect(() => decodePacket(Uint8Array.from([...bytesField(3, [...tag(1, 2), 0]), ...bytesField(1, [])]))).toThrow(ProtocolError)
  })

  it('the last data / channel field wins inside one PacketMsg', () => {
    const msg = [...bytesField(3, [1]), ...tag(1, 0), 7, ...bytesField(3, [2, 2]), ...tag(1, 0), 9]
    expect(normalise(decodePacket(Uint8Array.from(bytesField(3, msg))))).toEqual({ type: 'msg', channelId: 9, eof: false, data: '0202' })
  })

  it('reads channel IDs as int32: 1025 stays 1025, 2^32+1 truncates to 1, -1 is -1', () => {
    const ch = (varint: number[]): number => {
      const p = decodePacket(Uint8Array.from(bytesField(3, [...tag(1, 0), ...varint])))
      return p.type === 'msg' ? p.channelId : Number.NaN
    }
    expect(ch([0x81, 0x08])).toBe(1025)
    expect(ch([0x81, 0x80, 0x80, 0x80, 0x10])).toBe(1)
    expect(ch([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).toBe(-1)
  })

  it.each([
    ['empty packet (no oneof)', []],
    ['only unknown fields', [...tag(4, 0), 1]],
    ['truncated tag', [0x8a]],
    ['wire type 4 at top level', [...tag(5, 4)]],
    ['field number 0', [0x02, 0x00]],
    ['wrong wire type for packet_msg', [...tag(3, 0), 1]],
    ['wrong wire type for data', bytesField(3, [...tag(3, 0), 1])],
    ['wrong wire type for channel', bytesField(3, [...tag(1, 2), 0])],
    ['sub-message longer than packet', [...tag(3, 2), 5, 1]],
    ['data longer than sub-message', bytesField(3, [...tag(3, 2), 9, 1])],
    ['length with bit 63 set', [...tag(3, 2), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ['varint of 11 bytes', [...tag(9, 0), 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, ...bytesField(1, [])]],
    ['unterminated group', [...tag(9, 3), ...tag(1, 0), 1]],
    ['end group without start', bytesField(1, [...tag(9, 4)])],
    ['illegal wire type 6', [...tag(9, 6), ...bytesField(1, [])]],
    ['fixed64 past the end', [...tag(9, 1), 1, 2, 3]],
    ['valid protobuf of another type (a header with chain id "x")', [0x12, 0x01, 0x78]]
  ])('rejects %s with ProtocolError', (_name, bytes) => {
    expect(() => decodePacket(Uint8Array.from(bytes))).toThrow(ProtocolError)
  })

  it('accepts a 10-byte non-minimal length whose extra bits Go drops', () => {
    // 0x83 0x80 ... 0x02: bit 64 does not fit and is dropped, length 3.
    const packet = [...tag(3, 2), 0x85, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, ...bytesField(3, [1, 2, 3])]
    expect(normalise(decodePacket(Uint8Array.from(packet)))).toEqual({ type: 'msg', channelId: 0, eof: false, data: '010203' })
  })
})

describe('packet codec: properties (fast-check)', () => {
  const packetArb: fc.Arbitrary<Packet> = fc.oneof(
    fc.constant<Packet>({ type: 'ping' }),
    fc.constant<Packet>({ type: 'pong' }),
    fc.record({
      type: fc.constant('msg' as const),
      channelId: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 0x7fffffff })),
      eof: fc.boolean(),
      data: fc.uint8Array({ maxLength: 1100 })
    })
  )

  it('encodes exactly as protobufjs and decodes its own output', () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const ours = encodePacket(p)
        expect(toHex(ours)).toBe(toHex(referenceEncode(p)))
        expect(normalise(decodePacket(body(ours)))).toEqual(normalise(p))
      }),
      { numRuns: 300 }
    )
  })

  it('random bytes: a packet or a ProtocolError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodePacket(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError)
        }
      }),
      { numRuns: 500 }
    )
  })

  it('mutated valid packets agree with protobufjs whenever protobufjs accepts a single oneof', () => {
    fc.assert(
      fc.property(packetArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), (p, edits) => {
        const bytes = body(encodePacket(p)).slice()
        for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value
        let ours: Packet | Error
        try {
          ours = decodePacket(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError)
          ours = err as Error
        }
        let theirs: Packet | undefined
        try {
          const delimited = new Uint8Array([...encodeUvarint(bytes.length), ...bytes])
          const decoded = PbPacket.decodeDelimited(delimited) as unknown as Record<string, unknown>
          // protobufjs keeps every oneof member it saw; compare only unambiguous packets.
          const members = ['packetPing', 'packetPong', 'packetMsg'].filter((k) => decoded[k] != null)
          if (members.length === 1) theirs = referenceDecode(delimited)
        } catch {
          theirs = undefined
        }
        if (theirs !== undefined && !(ours instanceof Error)) expect(normalise(ours)).toEqual(normalise(theirs))
      }),
      { numRuns: 300 }
    )
  })

  it('stream reader: arbitrary chunks of arbitrary bytes give packets or typed errors only', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
        const reader = new PacketReader(maxPacketMsgSize(1024))
        const view = new PacketView()
        try {
          for (const c of chunks) {
            reader.push(c)
            while (reader.next(view) > 0) {
              expect(view.dataEnd).toBeLessThanOrEqual(reader.buffer.length)
            }
          }
        } catch (err) {
          expect(err instanceof ProtocolError || err instanceof MessageTooLargeError).toBe(true)
        }
      }),
      { numRuns: 500 }
    )
  })

  it('stream reader: any sequence of packets survives any re-chunking', () => {
    fc.assert(
      fc.property(fc.array(packetArb, { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1 }), (packets, cuts) => {
        const limit = 0x7fffffff
        const wire = Buffer.concat(packets.map((p) => encodePacket(p)))
        const reader = new PacketReader(Math.min(limit, 1 << 16))
        const view = new PacketView()
        const got: unknown[] = []
        let off = 0
        let i = 0
        while (off < wire.length) {
          const n = cuts[i++ % cuts.length] as number
          reader.push(Uint8Array.from(wire.subarray(off, off + n)))
          off += n
          for (;;) {
            const size = reader.next(view)
            if (size === 0) break
            got.push(
              view.kind === 3
                ? { type: 'msg', channelId: view.channelId, eof: view.eof, data: toHex(reader.buffer.subarray(view.dataStart, view.dataEnd)) }
                : { type: view.kind === 1 ? 'ping' : 'pong' }
            )
          }
        }
        expect(got).toEqual(packets.map(normalise))
      }),
      { numRuns: 200 }
    )
  })
})

describe('length prefix (delimited reader)', () => {
  const limit = maxPacketMsgSize(1024)
  const next = (bytes: number[]): number => {
    const reader = new PacketReader(limit)
    reader.push(Uint8Array.from(bytes))
    return reader.next(new PacketView())
  }

  it('refuses a huge prefix before any body byte arrives', () => {
    expect(() => next([0xff, 0xff, 0xff, 0xff, 0x0f])).toThrow(MessageTooLargeError)
    expect(() => next([0x8b, 0x08])).toThrowError(new MessageTooLargeError(1035, 1034))
  })

  it('waits for an incomplete prefix and body', () => {
    expect(next([0x8a])).toBe(0)
    expect(next([0x05, 0x1a, 0x03])).toBe(0)
  })

  it('accepts non-minimal prefixes up to 10 bytes, as binary.ReadUvarint does', () => {
    expect(next([0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0a, 0x00])).toBe(12)
  })

  it('rejects a prefix that overflows 64 bits or never ends', () => {
    expect(() => next([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02])).toThrow(ProtocolError)
    expect(() => next([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])).toThrow(ProtocolError)
  })

  it('rejects a zero-length packet (no oneof) like Go', () => {
    expect(() => next([0x00])).toThrow(ProtocolError)
  })
})
