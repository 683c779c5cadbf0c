import { createHash } from 'node:crypto'
import { InvalidNodeIdError } from './address-errors.js'

/**
 * A node's identity: lowercase hex of the first 20 bytes of SHA-256 of its ed25519 public key
 * (40 characters). Values of this type come from {@link nodeIdFromPublicKey} or
 * {@link parseNodeId}; addresses decoded from the network carry the text they were sent.
 */
export type NodeID = string & { readonly __brand: 'NodeID' }

/** Byte length of a node ID (the truncated SHA-256). */
export const NODE_ID_BYTE_LENGTH = 20

/** 40 hex digits; a loop rather than a regular expression, which allocates per call. */
function isHexId(id: string): boolean {
  if (id.length !== 2 * NODE_ID_BYTE_LENGTH) return false
  for (let i = 0; i < id.length; i++) if (!isHexByte(id.charCodeAt(i))) return false
  return true
}

/** Derives the node ID of an ed25519 public key (32 bytes). */
export function nodeIdFromPublicKey(publicKey: Uint8Array): NodeID {
  if (publicKey.length !== 32) {
    throw new InvalidNodeIdError(`ed25519 public key must be 32 bytes, got ${publicKey.length}`)
  }
  return createHash('sha256').update(publicKey).digest().subarray(0, NODE_ID_BYTE_LENGTH).toString('hex') as NodeID
}

/**
 * Go's `validateID`: the reason `id` is not a node ID, or `undefined` when it is one.
 * Uppercase hex passes, as in Go; IDs are compared as strings, so we only ever emit lowercase.
 */
export function nodeIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'no ID'
  if (isHexId(id)) return undefined
  // Go decodes bytes, so a non-ASCII character is reported by its first UTF-8 byte.
  const bytes = Buffer.from(id, 'utf8')
  const bad = bytes.findIndex((b) => !isHexByte(b))
  if (bad !== -1) return `encoding/hex: invalid byte: ${goUnicodeVerb(bytes[bad] as number)}`
  if (bytes.length % 2 === 1) return 'encoding/hex: odd length hex string'
  return `invalid hex length - got ${bytes.length / 2}, expected ${NODE_ID_BYTE_LENGTH}`
}

function isHexByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
}

/** Go's `%#U` of a byte value: `U+0074 't'`, without the quoted character when unprintable. */
function goUnicodeVerb(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
  const printable = (code >= 0x20 && code < 0x7f) || (code >= 0xa1 && code <= 0xff && code !== 0xad)
  return printable ? `${hex} '${String.fromCharCode(code)}'` : hex
}

/** True when `id` is 40 hex characters. */
export function isNodeId(id: unknown): id is NodeID {
  return typeof id === 'string' && isHexId(id)
}

/** Returns `id` as a {@link NodeID}, or throws {@link InvalidNodeIdError} naming the problem. */
export function parseNodeId(id: string): NodeID {
  const problem = nodeIdProblem(id)
  if (problem !== undefined) throw new InvalidNodeIdError(problem)
  return id as NodeID
}
