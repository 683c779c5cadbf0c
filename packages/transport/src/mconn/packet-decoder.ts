import { ProtocolError } from '@p2p/types'
import { PACKET_MSG, PACKET_PING, PACKET_PONG, type Packet, type PacketKind, PacketView } from './packet.js'

/*
 * Decoding accepts what gogo's generated `Unmarshal` accepts (any field order, unknown fields and
 * groups skipped, the last oneof member wins, int32 channel IDs truncated to 32 bits) and is
 * strict on every length. Only `ProtocolError` escapes. A module-level cursor avoids returning
 * (value, position) pairs on the hot path.
 */

let cursor = 0

function truncated(): ProtocolError {
  return new ProtocolError('unmarshaling packet: unexpected EOF')
}

/**
 * Reads a varint of at most 10 bytes, as gogo's generated loops do, and returns its value
 * modulo 2^64 as a float: exact below 2^53, otherwise some value >= 2^53 (only ever compared
 * against buffer lengths). Bits past 2^63 are dropped like Go's shifts drop them.
 */
function readVarint(buf: Uint8Array, end: number): number {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (cursor >= end) throw truncated()
    const b = buf[cursor++] as number
    value += (i === 9 ? b & 0x01 : b & 0x7f) * scale
    if (b < 0x80) return value
    scale *= 128
  }
  throw new ProtocolError('unmarshaling packet: integer overflow')
}

/** Reads a tag; returns the field number as Go's `int32(wire >> 3)` and leaves the wire type. */
let wireType = 0
function readTag(buf: Uint8Array, end: number, message: string): number {
  const start = cursor
  const b0 = buf[cursor] as number
  if (cursor < end && b0 < 0x80) {
    // One-byte tags are all a well-formed packet has.
    cursor++
    wireType = b0 & 0x07
    if (wireType === 4) throw new ProtocolError(`unmarshaling packet: ${message}: wiretype end group for non-group`)
    if (b0 < 8) throw new ProtocolError(`unmarshaling packet: ${message}: illegal tag 0 (wire type ${b0})`)
    return b0 >>> 3
  }
  readVarint(buf, end)
  // Bits 3..34 of the tag decide the int32 field number; they lie in the first 5 bytes.
  let low35 = 0
  let scale = 1
  for (let i = start; i < cursor && i < start + 5; i++) {
    low35 += ((buf[i] as number) & 0x7f) * scale
    scale *= 128
  }
  wireType = low35 % 8
  const field = Math.floor(low35 / 8) | 0
  if (wireType === 4) throw new ProtocolError(`unmarshaling packet: ${message}: wiretype end group for non-group`)
  if (field <= 0) throw new ProtocolError(`unmarshaling packet: ${message}: illegal tag ${field} (wire type ${wireType})`)
  return field
}

/** Reads a length and checks the bytes it announces are present; returns the end position. */
function readLengthDelimited(buf: Uint8Array, end: number): number {
  const length = readVarint(buf, end)
  if (length >= 2 ** 63) throw new ProtocolError('unmarshaling packet: negative length found during unmarshaling')
  if (length > end - cursor) throw truncated()
  return cursor + length
}

/** Skips one field whose tag starts at `tagStart` (gogo's `skipConn`, groups included). */
function skipField(buf: Uint8Array, tagStart: number, end: number): void {
  cursor = tagStart
  let depth = 0
  do {
    // The wire type is the low 3 bits of the tag's first byte.
    const type = (buf[cursor] as number) & 0x07
    readVarint(buf, end)
    switch (type) {
      case 0:
        readVarint(buf, end)
        break
      case 1:
        if (end - cursor < 8) throw truncated()
        cursor += 8
        break
      case 2:
        cursor = readLengthDelimited(buf, end)
        break
      case 3:
        depth++
        break
      case 4:
        if (depth === 0) throw new ProtocolError('unmarshaling packet: unexpected end of group')
        depth--
        break
      case 5:
        if (end - cursor < 4) throw truncated()
        cursor += 4
        break
      default:
        throw new ProtocolError(`unmarshaling packet: illegal wireType ${type}`)
    }
  } while (depth > 0)
}

/** `PacketPing` / `PacketPong` have no fields: every field is unknown and skipped. */
function decodeEmpty(buf: Uint8Array, end: number, name: string): void {
  while (cursor < end) {
    const tagStart = cursor
    readTag(buf, end, name)
    skipField(buf, tagStart, end)
  }
}

function decodePacketMsg(view: PacketView, buf: Uint8Array, end: number): void {
  view.kind = PACKET_MSG
  view.channelId = 0
  view.eof = false
  view.dataStart = 0
  view.dataEnd = 0
  while (cursor < end) {
    const tagStart = cursor
    const field = readTag(buf, end, 'PacketMsg')
    if (field === 1) {
      if (wireType !== 0) throw new ProtocolError(`unmarshaling packet: wrong wireType = ${wireType} for field ChannelID`)
      // Go accumulates into an int32: only the low 32 bits (the first 5 bytes) survive.
      const start = cursor
      readVarint(buf, end)
      let low35 = 0
      let scale = 1
      for (let i = start; i < cursor && i < start + 5; i++) {
        low35 += ((buf[i] as number) & 0x7f) * scale
        scale *= 128
      }
      view.channelId = low35 | 0
    } else if (field === 2) {
      if (wireType !== 0) throw new ProtocolError(`unmarshaling packet: wrong wireType = ${wireType} for field EOF`)
      view.eof = readVarint(buf, end) !== 0
    } else if (field === 3) {
      if (wireType !== 2) throw new ProtocolError(`unmarshaling packet: wrong wireType = ${wireType} for field Data`)
      const dataEnd = readLengthDelimited(buf, end)
      view.dataStart = cursor
      view.dataEnd = dataEnd
      cursor = dataEnd
    } else {
      skipField(buf, tagStart, end)
    }
  }
}

/**
 * Decodes the body of one `Packet` (without its length prefix) from `buf[start, end)` into
 * `view`. Throws `ProtocolError` on malformed bytes or when no packet kind is set (Go: "unknown
 * message type"). The payload stays in `buf`.
 */
export function decodePacketInto(view: PacketView, buf: Uint8Array, start: number, end: number): PacketView {
  cursor = start
  let kind = 0
  while (cursor < end) {
    const tagStart = cursor
    const field = readTag(buf, end, 'Packet')
    if (field >= 1 && field <= 3) {
      if (wireType !== 2) {
        const name = field === 1 ? 'PacketPing' : field === 2 ? 'PacketPong' : 'PacketMsg'
        throw new ProtocolError(`unmarshaling packet: wrong wireType = ${wireType} for field ${name}`)
      }
      const innerEnd = readLengthDelimited(buf, end)
      // Every occurrence is decoded (and must be valid), the last one wins.
      if (field === 3) decodePacketMsg(view, buf, innerEnd)
      else decodeEmpty(buf, innerEnd, field === 1 ? 'PacketPing' : 'PacketPong')
      kind = field
      cursor = innerEnd
    } else {
      skipField(buf, tagStart, end)
    }
  }
  if (kind === 0) throw new ProtocolError('unknown message type p2p.Packet')
  view.kind = kind as PacketKind
  return view
}

/** Decodes the body of one `Packet` (no length prefix) into a plain value. */
export function decodePacket(buf: Uint8Array, start = 0, end = buf.length): Packet {
  const view = decodePacketInto(new PacketView(), buf, start, end)
  if (view.kind === PACKET_PING) return { type: 'ping' }
  if (view.kind === PACKET_PONG) return { type: 'pong' }
  return { type: 'msg', channelId: view.channelId, eof: view.eof, data: buf.subarray(view.dataStart, view.dataEnd) }
}
