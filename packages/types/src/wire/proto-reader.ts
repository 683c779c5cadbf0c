import { ProtocolError } from '../connection-errors.js'

/** Protobuf wire type 0: a varint (int32/64, uint32/64, bool, enum). */
export const WIRE_VARINT = 0
/** Protobuf wire type 1: 8 little-endian bytes (fixed64, sfixed64, double). */
export const WIRE_FIXED64 = 1
/** Protobuf wire type 2: a uvarint length then that many bytes (bytes, string, embedded message). */
export const WIRE_LEN = 2
/** Protobuf wire type 3: the start of a (deprecated) group; skipped whole. */
export const WIRE_START_GROUP = 3
/** Protobuf wire type 4: the end of a group; one without its start is a `ProtocolError`. */
export const WIRE_END_GROUP = 4
/** Protobuf wire type 5: 4 little-endian bytes (fixed32, sfixed32, float). */
export const WIRE_FIXED32 = 5

const utf8 = new TextDecoder('utf-8', { fatal: false })

/**
 * A cursor over one protobuf message in `buf[pos, end)`, read the way gogoproto's generated
 * `Unmarshal` of Go v0.34 reads it: the caller loops over {@link ProtoReader.tag} and decides per
 * field, any field order, unknown fields (groups included) skipped with {@link ProtoReader.skip},
 * and every length checked against the bytes that are left before anything is sliced or
 * allocated. Numbers stay plain numbers (no bigint, no per-field object), so a message of
 * hundreds of fields decodes without garbage. Only `ProtocolError` escapes; its messages are
 * gogo's, after `prefix` (PEX uses Go's `"unmarshal: "`).
 *
 * @example
 * ```ts
 * const r = new ProtoReader(bytes)
 * while (!r.done) {
 *   const start = r.pos
 *   const field = r.tag('Msg')
 *   if (field === 1) { r.expectWire(WIRE_LEN, 'Name'); const end = r.lengthDelimited(); name = r.string(r.pos, end); r.pos = end }
 *   else r.skip(start)
 * }
 * ```
 */
export class ProtoReader {
  /** Where the next read starts. */
  pos: number
  /** Wire type of the last tag read by {@link ProtoReader.tag}. */
  wireType = 0
  /** The bytes being read. */
  readonly buf: Uint8Array
  /** Where the current message ends; narrow it while an embedded message is read. */
  end: number
  /** Put before every error message. */
  readonly prefix: string
  /** The same bytes as a Buffer, made on the first ASCII string (native latin1 decoding). */
  #text: Buffer | undefined

  constructor(buf: Uint8Array, start = 0, end = buf.length, prefix = '') {
    this.buf = buf
    this.pos = start
    this.end = end
    this.prefix = prefix
  }

  /** True when the current message has no bytes left. */
  get done(): boolean {
    return this.pos >= this.end
  }

  /** A `ProtocolError` with the reader's prefix. */
  error(message: string): ProtocolError {
    return new ProtocolError(this.prefix + message)
  }

  /** Go's `io.ErrUnexpectedEOF`: the message ends inside a field. */
  truncated(): ProtocolError {
    return this.error('unexpected EOF')
  }

  /**
   * A string field in `[start, end)`. Go keeps the bytes as they are; here invalid UTF-8 becomes
   * U+FFFD, which no node ID, IP or other validated field accepts either. ASCII (the rule) is
   * decoded natively, without a TextDecoder call.
   */
  string(start: number, end: number): string {
    const { buf } = this
    for (let i = start; i < end; i++) if ((buf[i] as number) >= 0x80) return utf8.decode(buf.subarray(start, end))
    if (this.#text === undefined) this.#text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
    return this.#text.toString('latin1', start, end)
  }

  /**
   * A varint of at most 10 bytes, as gogo's loops read it, as a float: exact below 2^53, some
   * value >= 2^53 above (only ever compared with lengths or limits). Bits past 2^63 are dropped
   * as Go's shifts drop them.
   */
  varint(): number {
    const { buf, end } = this
    let value = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw this.truncated()
      const b = buf[this.pos++] as number
      value += (i === 9 ? b & 0x01 : b & 0x7f) * scale
      if (b < 0x80) return value
      scale *= 128
    }
    throw this.error('proto: integer overflow')
  }

  /** A varint as Go's `uint64` keeps it, exactly (bits past 2^63 dropped as Go's shifts drop them). */
  bigVarint(): bigint {
    const start = this.pos
    this.varint()
    let value = 0n
    for (let i = start; i < this.pos; i++) {
      const b = this.buf[i] as number
      value |= BigInt(i - start === 9 ? b & 0x01 : b & 0x7f) << BigInt(7 * (i - start))
    }
    return value
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
   * Reads a tag and returns its field number (Go's `int32(wire >> 3)`), leaving the wire type in
   * {@link ProtoReader.wireType}. An end-group tag or a field number <= 0 is an error, as in gogo;
   * `message` names the message in those errors.
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
    if (this.wireType === WIRE_END_GROUP) throw this.error(`proto: ${message}: wiretype end group for non-group`)
    if (field <= 0) throw this.error(`proto: ${message}: illegal tag ${field} (wire type ${this.wireType})`)
    return field
  }

  /** Reads a length prefix, checks that many bytes remain, and returns where they end. */
  lengthDelimited(): number {
    const length = this.varint()
    if (length >= 2 ** 63) throw this.error('proto: negative length found during unmarshaling')
    if (length > this.end - this.pos) throw this.truncated()
    return this.pos + length
  }

  /** Throws unless the last tag had wire type `expected`. */
  expectWire(expected: number, fieldName: string): void {
    if (this.wireType !== expected) throw this.error(`proto: wrong wireType = ${this.wireType} for field ${fieldName}`)
  }

  /** Skips one field whose tag starts at `tagStart` (gogo's `skipXxx`, groups included). */
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
          if (this.end - this.pos < 8) throw this.truncated()
          this.pos += 8
          break
        case WIRE_LEN:
          this.pos = this.lengthDelimited()
          break
        case WIRE_START_GROUP:
          depth++
          break
        case WIRE_END_GROUP:
          if (depth === 0) throw this.error('proto: unexpected end of group')
          depth--
          break
        case WIRE_FIXED32:
          if (this.end - this.pos < 4) throw this.truncated()
          this.pos += 4
          break
        default:
          throw this.error(`proto: illegal wireType ${type}`)
      }
    } while (depth > 0)
  }
}

/** UTF-8 length of `s`, or -1 when `s` is not ASCII (the caller then takes {@link utf8Bytes}). */
export function asciiLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return -1
  return s.length
}

const textEncoder = new TextEncoder()

/** UTF-8 bytes of `s` (the slow path for non-ASCII strings). */
export function utf8Bytes(s: string): Uint8Array {
  return textEncoder.encode(s)
}
