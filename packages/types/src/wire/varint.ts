import { ProtocolError } from '../connection-errors.js'
import { InvalidArgumentError } from '../errors.js'

/** Longest encoding of a 64-bit unsigned varint (Go's `binary.MaxVarintLen64`). */
export const MAX_UVARINT_LENGTH = 10

/** Result of {@link decodeUvarint}. */
export interface DecodedUvarint {
  /**
   * The value. Exact up to `Number.MAX_SAFE_INTEGER`; larger 64-bit values are rounded, which
   * is harmless for their only use here: comparing a length against a (much smaller) limit.
   */
  value: number
  /** How many bytes the varint took. */
  bytesRead: number
}

/** Number of bytes {@link encodeUvarint} writes for `value`. */
export function uvarintLength(value: number): number {
  checkValue(value)
  let n = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    n++
  }
  return n
}

/**
 * Writes `value` as an unsigned LEB128 varint (protobuf / Go `binary.PutUvarint`) at `offset`
 * and returns the number of bytes written. `value` must be a non-negative safe integer.
 */
export function encodeUvarintInto(value: number, buf: Uint8Array, offset = 0): number {
  checkValue(value)
  let i = offset
  // Division rather than `>>>` because lengths may exceed 32 bits in principle.
  while (value >= 0x80) {
    buf[i++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  buf[i++] = value
  return i - offset
}

/** Returns `value` as an unsigned LEB128 varint. */
export function encodeUvarint(value: number): Uint8Array {
  const out = new Uint8Array(uvarintLength(value))
  encodeUvarintInto(value, out, 0)
  return out
}

/**
 * Reads an unsigned LEB128 varint at `offset`. Returns `undefined` when `buf` ends before the
 * varint does (wait for more bytes). Throws {@link ProtocolError} when the varint is longer than
 * 10 bytes or does not fit in 64 bits, as Go's `binary.Uvarint` reports overflow. Non-minimal
 * encodings are accepted, as in Go.
 */
export function decodeUvarint(buf: Uint8Array, offset = 0): DecodedUvarint | undefined {
  let value = 0
  let scale = 1
  const end = buf.length
  for (let i = 0; i < MAX_UVARINT_LENGTH; i++) {
    const pos = offset + i
    if (pos >= end) return undefined
    const b = buf[pos] as number
    if (b < 0x80) {
      if (i === MAX_UVARINT_LENGTH - 1 && b > 1) throw overflow()
      return { value: value + b * scale, bytesRead: i + 1 }
    }
    value += (b & 0x7f) * scale
    scale *= 0x80
  }
  throw overflow()
}

function overflow(): ProtocolError {
  return new ProtocolError('binary: varint overflows a 64-bit integer')
}

function checkValue(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`uvarint value must be a non-negative safe integer, got ${value}`)
  }
}
