import { ProtocolError } from '@p2p/types'

const utf8 = new TextDecoder('utf-8', { fatal: false })

/*
 * The slice of the protobuf wire format the PEX messages need, read the way gogo's generated
 * `Unmarshal` reads it: any field order, unknown fields (groups included) skipped, every length
 * checked against the bytes that are left before anything is sliced or allocated. Only
 * `ProtocolError` escapes.
 */

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LEN = 2
export const WIRE_START_GROUP = 3
export const WIRE_END_GROUP = 4
export const WIRE_FIXED32 = 5

function truncated(): ProtocolError {
  return new ProtocolError('unmarshal: unexpected EOF')
}

/** A cursor over `buf[pos, end)`. */
export class ProtoReader {
  pos: number
  /** The same bytes as a Buffer, for native latin1 decoding of ASCII strings. */
  readonly #text: Buffer
  /** Wire type of the last tag read by {@link readTag}. */
  wireType = 0

  constructor(
    readonly buf: Uint8Array,
    start: number,
    /** Where the current message ends; narrowed while an embedded message is read. */
    public end: number
  ) {
    this.pos = start
    this.#text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  /**
   * A string field in `[start, end)`. Go keeps the bytes as they are; here invalid UTF-8
   * becomes U+FFFD, which no node ID or IP accepts either, so the outcome (an invalid address)
   * is the same. ASCII (IDs, IPs: the rule) is decoded natively, without a TextDecoder call.
   */
  string(start: number, end: number): string {
    const { buf } = this
    for (let i = start; i < end; i++) if ((buf[i] as number) >= 0x80) return utf8.decode(buf.subarray(start, end))
    return this.#text.toString('latin1', start, end)
  }

  get done(): boolean {
    return this.pos >= this.end
  }

  /**
   * A varint of at most 10 bytes, as gogo's loops read it, as a float: exact below 2^53, some
   * value >= 2^53 above (only ever compared with lengths). Bits past 2^63 are dropped as Go's
   * shifts drop them.
   */
  varint(): number {
    const { buf, end } = this
    let value = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw truncated()
      const b = buf[this.pos++] as number
      value += (i === 9 ? b & 0x01 : b & 0x7f) * scale
      if (b < 0x80) return value
      scale *= 128
    }
    throw new ProtocolError('unmarshal: proto: integer overflow')
  }

  /** A varint as Go's `uint32` accumulator keeps it: its low 32 bits. */
  uint32(): number {
    const start = this.pos
    this.varint()
    let low = 0
    let scale = 1
    // Bits 0..31 lie in the first 5 bytes.
    for (let i = start; i < this.pos && i < start + 5; i++) {
      low += ((this.buf[i] as number) & 0x7f) * scale
      scale *= 128
    }
    return low % 2 ** 32
  }

  /**
   * Reads a tag and returns its field number (Go's `int32(wire >> 3)`), leaving the wire type
   * in {@link wireType}. An end-group tag or field number <= 0 is an error, as in gogo.
   */
  tag(message: string): number {
    const start = this.pos
    const b0 = this.buf[start] as number
    let field: number
    if (start < this.end && b0 < 0x80) {
      this.pos++
      this.wireType = b0 & 7
      field = b0 >>> 3
    } else {
      this.varint()
      let low35 = 0
      let scale = 1
      for (let i = start; i < this.pos && i < start + 5; i++) {
        low35 += ((this.buf[i] as number) & 0x7f) * scale
        scale *= 128
      }
      this.wireType = low35 % 8
      field = Math.floor(low35 / 8) | 0
    }
    if (this.wireType === WIRE_END_GROUP) throw new ProtocolError(`unmarshal: proto: ${message}: wiretype end group for non-group`)
    if (field <= 0) throw new ProtocolError(`unmarshal: proto: ${message}: illegal tag ${field} (wire type ${this.wireType})`)
    return field
  }

  /** Reads a length prefix, checks that many bytes remain, and returns where they end. */
  lengthDelimited(): number {
    const length = this.varint()
    if (length >= 2 ** 63) throw new ProtocolError('unmarshal: proto: negative length found during unmarshaling')
    if (length > this.end - this.pos) throw truncated()
    return this.pos + length
  }

  /** Throws unless the last tag had wire type `expected`. */
  expectWire(expected: number, fieldName: string): void {
    if (this.wireType !== expected) {
      throw new ProtocolError(`unmarshal: proto: wrong wireType = ${this.wireType} for field ${fieldName}`)
    }
  }

  /** Skips one field whose tag starts at `tagStart` (gogo's `skipPex`, groups included). */
  skip(tagStart: number): void {
    this.pos = tagStart
    let depth = 0
    do {
      const type = (this.buf[this.pos] as number) & 7
      this.varint()
      switch (type) {
        case WIRE_VARINT:
          this.varint()
          break
        case WIRE_FIXED64:
          if (this.end - this.pos < 8) throw truncated()
          this.pos += 8
          break
        case WIRE_LEN:
          this.pos = this.lengthDelimited()
          break
        case WIRE_START_GROUP:
          depth++
          break
        case WIRE_END_GROUP:
          if (depth === 0) throw new ProtocolError('unmarshal: proto: unexpected end of group')
          depth--
          break
        case WIRE_FIXED32:
          if (this.end - this.pos < 4) throw truncated()
          this.pos += 4
          break
        default:
          throw new ProtocolError(`unmarshal: proto: illegal wireType ${type}`)
      }
    } while (depth > 0)
  }
}

/** Bytes of `value` as an unsigned varint. */
export function varintLength(value: number): number {
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    n++
  }
  return n
}

/** Writes `value` (a non-negative safe integer) as a varint at `pos`; returns the new position. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value % 128) | 0x80
    value = Math.floor(value / 128)
  }
  buf[pos++] = value
  return pos
}

const textEncoder = new TextEncoder()

/** UTF-8 length of `s`; -1 marks "not ASCII" so callers can take the slow path. */
export function asciiLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return -1
  return s.length
}

/** UTF-8 bytes of `s` (the slow path for non-ASCII strings). */
export function utf8Bytes(s: string): Uint8Array {
  return textEncoder.encode(s)
}
