import { ProtocolError } from '@p2p/types'
import { decodeUvarint, encodeUvarintInto, uvarintLength } from '../codec/varint.js'

// Hand-written codecs for the two tiny handshake messages. They follow the gogoproto
// generated decoders of Go v0.34 (wrappers.pb.go, p2p/conn.pb.go, crypto/keys.pb.go): any field
// order, unknown fields skipped (groups included), last occurrence of a bytes field wins,
// embedded messages merge.

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_BYTES = 2
const WIRE_START_GROUP = 3
const WIRE_END_GROUP = 4
const WIRE_FIXED32 = 5

/** Size of an ed25519 public key (PublicKey.ed25519). */
export const ED25519_PUBLIC_KEY_SIZE = 32
/** Size of a compressed secp256k1 public key (PublicKey.secp256k1). */
export const SECP256K1_PUBLIC_KEY_SIZE = 33

function truncated(): ProtocolError {
  return new ProtocolError('unexpected EOF')
}

function readVarint(buf: Uint8Array, pos: number): { value: number; next: number } {
  const d = decodeUvarint(buf, pos)
  if (d === undefined) throw truncated()
  return { value: d.value, next: pos + d.bytesRead }
}

function readLengthDelimited(buf: Uint8Array, pos: number): { bytes: Uint8Array; next: number } {
  const len = readVarint(buf, pos)
  const end = len.next + len.value
  if (end > buf.length) throw truncated()
  return { bytes: buf.subarray(len.next, end), next: end }
}

/** Skips one unknown field whose tag starts at `pos`; returns the offset after it. */
function skipField(buf: Uint8Array, pos: number): number {
  let depth = 0
  for (;;) {
    const tag = readVarint(buf, pos)
    pos = tag.next
    const wire = tag.value % 8
    switch (wire) {
      case WIRE_VARINT:
        pos = readVarint(buf, pos).next
        break
      case WIRE_FIXED64:
        pos += 8
        break
      case WIRE_BYTES:
        pos = readLengthDelimited(buf, pos).next
        break
      case WIRE_START_GROUP:
        depth++
        break
      case WIRE_END_GROUP:
        if (depth === 0) throw new ProtocolError('proto: unexpected end of group')
        depth--
        break
      case WIRE_FIXED32:
        pos += 4
        break
      default:
        throw new ProtocolError(`proto: illegal wireType ${wire}`)
    }
    if (pos > buf.length) throw truncated()
    if (depth === 0) return pos
  }
}

/**
 * Calls `onField` for each field of the message in `buf`; unknown fields (onField returns
 * false) are skipped. `onField` receives the length-delimited payload, or undefined when the
 * field's wire type is not length-delimited (every known field here is bytes or a message).
 */
function forEachField(
  buf: Uint8Array,
  message: string,
  onField: (num: number, wire: number, bytes: Uint8Array | undefined) => boolean
): void {
  let pos = 0
  while (pos < buf.length) {
    const start = pos
    const tag = readVarint(buf, pos)
    const num = Math.floor(tag.value / 8)
    const wire = tag.value % 8
    if (wire === WIRE_END_GROUP) throw new ProtocolError(`proto: ${message}: wiretype end group for non-group`)
    if (num <= 0) throw new ProtocolError(`proto: ${message}: illegal tag ${num} (wire type ${wire})`)
    if (wire === WIRE_BYTES) {
      const field = readLengthDelimited(buf, tag.next)
      if (onField(num, wire, field.bytes)) {
        pos = field.next
        continue
      }
    } else if (onField(num, wire, undefined)) {
      pos = tag.next
      continue
    }
    pos = skipField(buf, start)
  }
}

function wrongWireType(wire: number, field: string): ProtocolError {
  return new ProtocolError(`proto: wrong wireType = ${wire} for field ${field}`)
}

/** Decodes `google.protobuf.BytesValue` and returns `value` (empty when absent). */
export function decodeBytesValue(buf: Uint8Array): Uint8Array {
  let value: Uint8Array = new Uint8Array(0)
  forEachField(buf, 'BytesValue', (num, wire, bytes) => {
    if (num !== 1) return false
    if (bytes === undefined) throw wrongWireType(wire, 'Value')
    value = bytes
    return true
  })
  return value
}

/** The `sum` oneof of `tendermint.crypto.PublicKey` as decoded (lengths not yet checked). */
export type DecodedPublicKey =
  | { type: 'ed25519'; key: Uint8Array }
  | { type: 'secp256k1'; key: Uint8Array }
  | { type: undefined }

/** A decoded `tendermint.p2p.AuthSigMessage`. */
export interface DecodedAuthSig {
  pubKey: DecodedPublicKey
  sig: Uint8Array
}

function mergePublicKey(into: DecodedPublicKey, buf: Uint8Array): DecodedPublicKey {
  let key = into
  forEachField(buf, 'PublicKey', (num, wire, bytes) => {
    if (num !== 1 && num !== 2) return false
    if (bytes === undefined) throw wrongWireType(wire, num === 1 ? 'Ed25519' : 'Secp256K1')
    key = { type: num === 1 ? 'ed25519' : 'secp256k1', key: bytes }
    return true
  })
  return key
}

/** Decodes `tendermint.p2p.AuthSigMessage { PublicKey pub_key = 1; bytes sig = 2; }`. */
export function decodeAuthSigMessage(buf: Uint8Array): DecodedAuthSig {
  let pubKey: DecodedPublicKey = { type: undefined }
  let sig: Uint8Array = new Uint8Array(0)
  forEachField(buf, 'AuthSigMessage', (num, wire, bytes) => {
    if (num === 1) {
      if (bytes === undefined) throw wrongWireType(wire, 'PubKey')
      pubKey = mergePublicKey(pubKey, bytes)
      return true
    }
    if (num === 2) {
      if (bytes === undefined) throw wrongWireType(wire, 'Sig')
      sig = bytes
      return true
    }
    return false
  })
  return { pubKey, sig }
}

/**
 * Go's `PubKeyFromProto` followed by the secret connection's type check: returns the 32-byte
 * ed25519 key or throws {@link ProtocolError} with Go's message.
 */
export function ed25519KeyFromProto(pk: DecodedPublicKey): Uint8Array {
  switch (pk.type) {
    case 'ed25519':
      if (pk.key.length !== ED25519_PUBLIC_KEY_SIZE) {
        throw new ProtocolError(
          `invalid size for PubKeyEd25519. Got ${pk.key.length}, expected ${ED25519_PUBLIC_KEY_SIZE}`
        )
      }
      return pk.key
    case 'secp256k1':
      if (pk.key.length !== SECP256K1_PUBLIC_KEY_SIZE) {
        throw new ProtocolError(
          `invalid size for PubKeySecp256k1. Got ${pk.key.length}, expected ${SECP256K1_PUBLIC_KEY_SIZE}`
        )
      }
      throw new ProtocolError('expected ed25519 pubkey, got secp256k1.PubKey')
    default:
      throw new ProtocolError('fromproto: key type <nil> is not supported')
  }
}

/** Prefixes `body` with its uvarint length. */
function delimit(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(uvarintLength(body.length) + body.length)
  out.set(body, encodeUvarintInto(body.length, out, 0))
  return out
}

/** Appends field `num` (length-delimited) holding `bytes`. */
function bytesField(num: number, bytes: Uint8Array): Uint8Array {
  const tag = num * 8 + WIRE_BYTES
  const out = new Uint8Array(uvarintLength(tag) + uvarintLength(bytes.length) + bytes.length)
  let pos = encodeUvarintInto(tag, out, 0)
  pos += encodeUvarintInto(bytes.length, out, pos)
  out.set(bytes, pos)
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}

/** The delimited `BytesValue{value}` that carries an ephemeral key (35 bytes for 32). */
export function encodeBytesValueDelimited(value: Uint8Array): Uint8Array {
  // gogo omits an empty bytes field (proto3 default); ephemeral keys are never empty.
  return delimit(value.length === 0 ? value : bytesField(1, value))
}

/** The delimited `AuthSigMessage{pub_key: {ed25519}, sig}`; pub_key is always written (nullable=false). */
export function encodeAuthSigMessageDelimited(ed25519PublicKey: Uint8Array, sig: Uint8Array): Uint8Array {
  const pubKey = bytesField(1, ed25519PublicKey)
  return delimit(concat([bytesField(1, pubKey), sig.length === 0 ? sig : bytesField(2, sig)]))
}
