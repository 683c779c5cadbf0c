import { ProtocolError } from '../errors.js'
import { decodeUvarint, encodeUvarintInto, uvarintLength } from './varint.js'

// Just enough of the protobuf wire format for small, rarely sent messages (NodeInfo, the
// handshake's BytesValue and AuthSigMessage, PEX). Hot paths keep hand-tuned codecs.

/** Protobuf wire type 0: a varint (int32/64, uint32/64, bool, enum). */
export const WIRE_VARINT = 0
/** Protobuf wire type 1: 8 little-endian bytes (fixed64, sfixed64, double); {@link readProtoFields} reports the field without its value. */
export const WIRE_FIXED64 = 1
/** Protobuf wire type 2: a uvarint length then that many bytes (bytes, string, embedded message). */
export const WIRE_LEN = 2
/** Protobuf wire type 3: the start of a (deprecated) group; {@link readProtoFields} skips it whole and reports it once. */
export const WIRE_START_GROUP = 3
/** Protobuf wire type 4: the end of a group; one without its start is a `ProtocolError`. */
export const WIRE_END_GROUP = 4
/** Protobuf wire type 5: 4 little-endian bytes (fixed32, sfixed32, float); {@link readProtoFields} reports the field without its value. */
export const WIRE_FIXED32 = 5

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
 * `message` names the message in those errors.
 */
export function* readProtoFields(buf: Uint8Array, message = 'message'): Generator<ProtoField> {
  let pos = 0
  while (pos < buf.length) {
    const key = readBigUvarint(buf, pos)
    pos += key.bytesRead
    const field = Number(key.value >> 3n)
    const wire = Number(key.value & 7n)
    if (wire === WIRE_END_GROUP) throw new ProtocolError(`proto: ${message}: wiretype end group for non-group`)
    if (field === 0) throw new ProtocolError(`proto: ${message}: illegal tag 0 (wire type ${wire})`)
    switch (wire) {
      case WIRE_VARINT: {
        const v = readBigUvarint(buf, pos)
        pos += v.bytesRead
        yield { field, wire, value: v.value }
        break
      }
      case WIRE_LEN: {
        const len = decodeUvarint(buf, pos)
        if (len === undefined) throw truncated()
        pos += len.bytesRead
        if (len.value > buf.length - pos) throw truncated()
        yield { field, wire, bytes: buf.subarray(pos, pos + len.value) }
        pos += len.value
        break
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        pos += wire === WIRE_FIXED64 ? 8 : 4
        if (pos > buf.length) throw truncated()
        yield { field, wire }
        break
      }
      case WIRE_START_GROUP: {
        pos = skipGroup(buf, pos)
        yield { field, wire }
        break
      }
      default:
        throw new ProtocolError(`proto: ${message}: illegal wire type ${wire} for field ${field}`)
    }
  }
}

/** Skips the rest of a group whose start tag ended at `pos` (nested groups too). */
function skipGroup(buf: Uint8Array, pos: number): number {
  let depth = 1
  while (depth > 0) {
    const key = readBigUvarint(buf, pos)
    pos += key.bytesRead
    const wire = Number(key.value & 7n)
    switch (wire) {
      case WIRE_VARINT:
        pos += readBigUvarint(buf, pos).bytesRead
        break
      case WIRE_FIXED64:
        pos += 8
        break
      case WIRE_LEN: {
        const len = decodeUvarint(buf, pos)
        if (len === undefined) throw truncated()
        pos += len.bytesRead + len.value
        break
      }
      case WIRE_START_GROUP:
        depth++
        break
      case WIRE_END_GROUP:
        depth--
        break
      case WIRE_FIXED32:
        pos += 4
        break
      default:
        throw new ProtocolError(`proto: illegal wireType ${wire}`)
    }
    if (pos > buf.length) throw truncated()
  }
  return pos
}

function readBigUvarint(buf: Uint8Array, pos: number): { value: bigint; bytesRead: number } {
  let value = 0n
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i]
    if (b === undefined) throw truncated()
    value |= BigInt(b & 0x7f) << BigInt(7 * i)
    if (b < 0x80) {
      if (i === 9 && b > 1) break
      return { value, bytesRead: i + 1 }
    }
  }
  throw new ProtocolError('proto: integer overflow')
}

function truncated(): ProtocolError {
  return new ProtocolError('unexpected EOF')
}

const utf8 = new TextDecoder('utf-8', { fatal: false })

/** Go keeps string bytes as they are; invalid UTF-8 becomes U+FFFD here, which no validator accepts. */
export function decodeString(bytes: Uint8Array): string {
  return utf8.decode(bytes)
}
