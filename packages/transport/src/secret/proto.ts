import { ProtocolError } from '@p2p/types'
import { pooledBytes } from './off-heap.js'
import { encodeUvarintInto, type ProtoField, readProtoFields, uvarintLength, WIRE_LEN } from '@p2p/types/wire'

// Hand-written codecs for the two tiny handshake messages. They follow the gogoproto
// generated decoders of Go v0.34 (wrappers.pb.go, p2p/conn.pb.go, crypto/keys.pb.go): any field
// order, unknown fields skipped (groups included), last occurrence of a bytes field wins,
// embedded messages merge.

/** Size of an ed25519 public key (PublicKey.ed25519). */
export const ED25519_PUBLIC_KEY_SIZE = 32
/** Size of a compressed secp256k1 public key (PublicKey.secp256k1). */
export const SECP256K1_PUBLIC_KEY_SIZE = 33

/** The length-delimited payload of a known field, or Go's wrong-wire-type error. */
function bytesOf(f: ProtoField, name: string): Uint8Array {
  if (f.wire !== WIRE_LEN) throw new ProtocolError(`proto: wrong wireType = ${f.wire} for field ${name}`)
  return f.bytes
}

/** Decodes `google.protobuf.BytesValue` and returns `value` (empty when absent). */
export function decodeBytesValue(buf: Uint8Array): Uint8Array {
  let value: Uint8Array = new Uint8Array(0)
  for (const f of readProtoFields(buf, 'BytesValue')) if (f.field === 1) value = bytesOf(f, 'Value')
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
  for (const f of readProtoFields(buf, 'PublicKey')) {
    if (f.field === 1) key = { type: 'ed25519', key: bytesOf(f, 'Ed25519') }
    else if (f.field === 2) key = { type: 'secp256k1', key: bytesOf(f, 'Secp256K1') }
  }
  return key
}

/** Decodes `tendermint.p2p.AuthSigMessage { PublicKey pub_key = 1; bytes sig = 2; }`. */
export function decodeAuthSigMessage(buf: Uint8Array): DecodedAuthSig {
  let pubKey: DecodedPublicKey = { type: undefined }
  let sig: Uint8Array = new Uint8Array(0)
  for (const f of readProtoFields(buf, 'AuthSigMessage')) {
    if (f.field === 1) pubKey = mergePublicKey(pubKey, bytesOf(f, 'PubKey'))
    else if (f.field === 2) sig = bytesOf(f, 'Sig')
  }
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

/** Bytes of a length-delimited field `num` holding `length` bytes. */
function fieldLength(num: number, length: number): number {
  return uvarintLength(num * 8 + WIRE_LEN) + uvarintLength(length) + length
}

/** Writes the tag and length of a length-delimited field `num` at `pos`; returns where its bytes go. */
function putFieldHeader(out: Uint8Array, pos: number, num: number, length: number): number {
  const at = pos + encodeUvarintInto(num * 8 + WIRE_LEN, out, pos)
  return at + encodeUvarintInto(length, out, at)
}

/** The delimited `BytesValue{value}` that carries an ephemeral key (35 bytes for 32). */
export function encodeBytesValueDelimited(value: Uint8Array): Uint8Array {
  // gogo omits an empty bytes field (proto3 default); ephemeral keys are never empty.
  const length = value.length === 0 ? 0 : fieldLength(1, value.length)
  // Written to the socket as it is: taken from Node's buffer pool, outside V8's heap (off-heap.ts).
  const out = pooledBytes(uvarintLength(length) + length)
  const pos = encodeUvarintInto(length, out, 0)
  if (value.length > 0) out.set(value, putFieldHeader(out, pos, 1, value.length))
  return out
}

/**
 * The delimited `AuthSigMessage{pub_key: {ed25519}, sig}` (pub_key is always written:
 * nullable=false), followed by `tail` when given, in one array.
 */
export function encodeAuthSigMessageDelimited(ed25519PublicKey: Uint8Array, sig: Uint8Array, tail?: Uint8Array): Uint8Array {
  const pubKeyLength = fieldLength(1, ed25519PublicKey.length)
  const length = fieldLength(1, pubKeyLength) + (sig.length === 0 ? 0 : fieldLength(2, sig.length))
  const head = uvarintLength(length) + length
  // Sealed into frames at once and dropped: Node's buffer pool rather than an ArrayBuffer of its own.
  const out = pooledBytes(head + (tail?.length ?? 0))
  let pos = encodeUvarintInto(length, out, 0)
  pos = putFieldHeader(out, pos, 1, pubKeyLength)
  pos = putFieldHeader(out, pos, 1, ed25519PublicKey.length)
  out.set(ed25519PublicKey, pos)
  pos += ed25519PublicKey.length
  if (sig.length > 0) out.set(sig, putFieldHeader(out, pos, 2, sig.length))
  if (tail !== undefined) out.set(tail, head)
  return out
}
