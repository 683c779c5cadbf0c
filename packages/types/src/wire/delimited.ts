import { MessageTooLargeError } from '../connection-errors.js'
import { decodeUvarint, encodeUvarintInto, MAX_UVARINT_LENGTH, uvarintLength } from './varint.js'

/** Prefixes `message` with its uvarint length (Go's `protoio.NewDelimitedWriter`). */
export function encodeDelimited(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(uvarintLength(message.length) + message.length)
  out.set(message, encodeUvarintInto(message.length, out, 0))
  return out
}

/** A `Uint8Array` or anything like it (a `Uint8ArrayList`): a length and a copy-free `subarray`. */
export interface ByteBuffer {
  readonly byteLength: number
  /** The bytes in `[start, end)` (default: all of them), as `Uint8Array.subarray` takes them. */
  subarray(start?: number, end?: number): Uint8Array
}

/** What {@link peekDelimited} found at the head of a buffer. */
export type DelimitedPeek =
  /** A whole message is buffered: it spans `[offset, offset + length)`, `total` bytes with its prefix. */
  | { complete: true; offset: number; length: number; total: number }
  /** More bytes are needed; at least `total` bytes must be buffered before the next try. */
  | { complete: false; total: number }

/**
 * Looks at the uvarint length prefix at the head of `buf` without consuming anything. Throws
 * {@link MessageTooLargeError} as soon as the prefix declares more than `maxSize` bytes (before
 * any of the body is buffered), and `ProtocolError` for a varint over 64 bits.
 */
export function peekDelimited(buf: ByteBuffer, maxSize: number): DelimitedPeek {
  // Nothing to look at: an empty list's subarray would allocate an empty buffer.
  if (buf.byteLength === 0) return { complete: false, total: 1 }
  const head = buf.subarray(0, Math.min(buf.byteLength, MAX_UVARINT_LENGTH))
  const prefix = decodeUvarint(head, 0)
  if (prefix === undefined) return { complete: false, total: head.length + 1 }
  if (prefix.value > maxSize) throw new MessageTooLargeError(prefix.value, maxSize)
  const total = prefix.bytesRead + prefix.value
  if (buf.byteLength < total) return { complete: false, total }
  return { complete: true, offset: prefix.bytesRead, length: prefix.value, total }
}
