import { ProtocolError } from '../connection-errors.js'
import { ProtoReader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_START_GROUP, WIRE_VARINT } from './proto-reader.js'
import { encodeUvarintInto, uvarintLength } from './varint.js'

// Just enough of the protobuf wire format for small, rarely sent messages (NodeInfo, the
// handshake's BytesValue and AuthSigMessage, PEX). Hot paths keep hand-tuned codecs.

/** Appends protobuf fields in field-number order, as gogo's marshaller does. */
export class ProtoWriter {
  readonly #parts: Uint8Array[] = []
  #length = 0

  get length(): number {
    return this.#length
  }

  #push(bytes: Uint8Array): void {
    this.#parts.push(bytes)
    this.#length += bytes.length
  }

  #varint(value: number): void {
    const buf = new Uint8Array(uvarintLength(value))
    encodeUvarintInto(value, buf)
    this.#push(buf)
  }

  #tag(field: number, wire: number): void {
    this.#varint(field * 8 + wire)
  }

  /** A uint64 field; proto3 leaves out zero. */
  uint64(field: number, value: bigint): this {
    if (value === 0n) return this
    this.#tag(field, WIRE_VARINT)
    this.#push(encodeBigUvarint(value))
    return this
  }

  /** A string field; proto3 leaves out the empty string. */
  string(field: number, value: string): this {
    return value.length === 0 ? this : this.bytes(field, new TextEncoder().encode(value))
  }

  /** A bytes field; proto3 leaves out empty bytes. */
  bytes(field: number, value: Uint8Array): this {
    if (value.length === 0) return this
    this.#tag(field, WIRE_LEN)
    this.#varint(value.length)
    this.#push(value)
    return this
  }

  /** An embedded message, always written, even when empty (gogo `nullable=false`). */
  message(field: number, body: ProtoWriter): this {
    this.#tag(field, WIRE_LEN)
    this.#varint(body.length)
    for (const part of body.#parts) this.#push(part)
    return this
  }

  /** The encoded message: the fields written so far, in one new buffer of `length` bytes. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#length)
    let offset = 0
    for (const part of this.#parts) {
      out.set(part, offset)
      offset += part.length
    }
    return out
  }
}

function encodeBigUvarint(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 64n) throw new ProtocolError(`uint64 out of range: ${value}`)
  const out: number[] = []
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80)
    value >>= 7n
  }
  out.push(Number(value))
  return Uint8Array.from(out)
}

/** One decoded field: its number and either a varint value or a byte range. */
export type ProtoField =
  | { field: number; wire: typeof WIRE_VARINT; value: bigint }
  | { field: number; wire: typeof WIRE_LEN; bytes: Uint8Array }
  | { field: number; wire: typeof WIRE_FIXED64 | typeof WIRE_FIXED32 | typeof WIRE_START_GROUP }

/**
 * Reads every field of one message, in wire order, as gogoproto's generated decoders of Go v0.34
 * accept them: any order, unknown fields, repeated fields (the caller decides whether the last
 * wins or embedded messages merge), groups (skipped whole, reported once as `WIRE_START_GROUP`).
 * Throws {@link ProtocolError} on truncation, tag 0, a stray end-group or a bad wire type;
 * `message` names the message in those errors. A convenience over {@link ProtoReader} (one
 * object per field) for small messages; hot or large messages use the cursor directly.
 */
export function* readProtoFields(buf: Uint8Array, message = 'message'): Generator<ProtoField> {
  const r = new ProtoReader(buf)
  while (!r.done) {
    const start = r.pos
    const field = r.tag(message)
    const wire = r.wireType
    switch (wire) {
      case WIRE_VARINT:
        yield { field, wire, value: r.bigVarint() }
        break
      case WIRE_LEN: {
        const end = r.lengthDelimited()
        yield { field, wire, bytes: buf.subarray(r.pos, end) }
        r.pos = end
        break
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32:
      case WIRE_START_GROUP:
        r.skip(start)
        yield { field, wire }
        break
      default:
        throw new ProtocolError(`proto: ${message}: illegal wire type ${wire} for field ${field}`)
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false })

/** Go keeps string bytes as they are; invalid UTF-8 becomes U+FFFD here, which no validator accepts. */
export function decodeString(bytes: Uint8Array): string {
  return utf8.decode(bytes)
}
