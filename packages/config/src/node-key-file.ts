import { open } from 'node:fs/promises'
import { CorruptFileError, InvalidArgumentError } from '@p2p/types'
import { writeFileAtomic } from '@p2p/types/fs'
import {
  ED25519_SEED_LENGTH,
  type Ed25519NodeKey,
  GO_ED25519_PRIVATE_KEY_LENGTH,
  generateNodeKey,
  nodeKeyFromSeed
} from './node-key.js'

/** Amino JSON type name of Go's ed25519 private key (`crypto/ed25519`). */
export const PRIV_KEY_ED25519_TYPE = 'tendermint/PrivKeyEd25519'
/** node_key.json is about 130 bytes; a larger file is not one. */
export const MAX_NODE_KEY_FILE_BYTES = 64 * 1024
/** Mode Go writes node_key.json with. */
export const NODE_KEY_FILE_MODE = 0o600

/** What {@link saveNodeKey} needs of a key: Go's 64-byte private key. */
export interface ExportableNodeKey {
  /** **Secret.** Go's 64-byte private key: the 32-byte seed followed by the public key. */
  privateKeyBytes(): Uint8Array
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * The exact content Go's `NodeKey.SaveAs` writes: compact JSON, no trailing newline,
 * `{"priv_key":{"type":"tendermint/PrivKeyEd25519","value":"<base64 of seed || pubkey>"}}`.
 *
 * **The result contains the private key.**
 */
export function encodeNodeKeyJson(key: ExportableNodeKey): string {
  const bytes = key.privateKeyBytes()
  if (bytes.length !== GO_ED25519_PRIVATE_KEY_LENGTH) {
    throw new InvalidArgumentError(`a Go ed25519 private key is 64 bytes, got ${bytes.length}`)
  }
  const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')
  bytes.fill(0)
  return JSON.stringify({ priv_key: { type: PRIV_KEY_ED25519_TYPE, value } })
}

/**
 * Parses the content of a node_key.json file. Accepts what Go's `LoadNodeKey` accepts for an
 * ed25519 key (any JSON layout, extra fields ignored, line breaks inside the base64), and also
 * checks what Go does not: the value is 64 bytes and its second half is the public key of its
 * first half (Go would sign with a wrong embedded public key).
 *
 * @param path - named in the error
 * @throws {@link @p2p/types!CorruptFileError | CorruptFileError} when the content is not a valid ed25519 node key
 */
export function decodeNodeKeyJson(text: string, path = ''): Ed25519NodeKey {
  const corrupt = (why: string, cause?: unknown): CorruptFileError =>
    new CorruptFileError(path, `node key file ${path}: ${why}`, cause === undefined ? undefined : { cause })
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw corrupt('not JSON', err)
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw corrupt('not a JSON object')
  const priv: unknown = (doc as Record<string, unknown>).priv_key
  if (typeof priv !== 'object' || priv === null || Array.isArray(priv)) throw corrupt('no priv_key object')
  const { type, value } = priv as Record<string, unknown>
  if (type !== PRIV_KEY_ED25519_TYPE) {
    throw corrupt(`priv_key.type is ${JSON.stringify(type)}, expected ${JSON.stringify(PRIV_KEY_ED25519_TYPE)}`)
  }
  if (typeof value !== 'string') throw corrupt('priv_key.value is not a string')
  // Go's base64 decoder skips CR and LF; otherwise standard alphabet with padding.
  const b64 = value.replace(/[\r\n]/g, '')
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) throw corrupt('priv_key.value is not standard base64')
  const bytes = Buffer.from(b64, 'base64')
  try {
    if (bytes.length !== GO_ED25519_PRIVATE_KEY_LENGTH) {
      throw corrupt(`priv_key.value is ${bytes.length} bytes, expected ${GO_ED25519_PRIVATE_KEY_LENGTH}`)
    }
    const key = nodeKeyFromSeed(bytes.subarray(0, ED25519_SEED_LENGTH))
    if (!Buffer.from(key.publicKey).equals(bytes.subarray(ED25519_SEED_LENGTH))) {
      throw corrupt('the public key half of priv_key.value does not match its seed')
    }
    return key
  } finally {
    bytes.fill(0)
  }
}

/**
 * Reads a node_key.json file (Go's `LoadNodeKey`).
 *
 * @throws {@link @p2p/types!CorruptFileError | CorruptFileError} naming `path` when the file is truncated, not JSON, of another
 * key type or length, or inconsistent
 * @throws the `node:fs` error (`code` `ENOENT`, `EACCES`, ...) when the file cannot be read
 */
export async function loadNodeKey(path: string): Promise<Ed25519NodeKey> {
  const fh = await open(path, 'r')
  let bytes: Uint8Array
  try {
    const { size } = await fh.stat()
    if (size > MAX_NODE_KEY_FILE_BYTES) {
      throw new CorruptFileError(path, `node key file ${path}: ${size} bytes, more than ${MAX_NODE_KEY_FILE_BYTES}`)
    }
    bytes = await fh.readFile()
  } finally {
    await fh.close()
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (err) {
    throw new CorruptFileError(path, `node key file ${path}: not UTF-8`, { cause: err })
  } finally {
    bytes.fill(0)
  }
  return decodeNodeKeyJson(text, path)
}

/**
 * Writes `key` to `path` exactly as Go does (byte-identical content, mode 0600), atomically:
 * temporary file in the same directory, fsync, rename, fsync of the directory. Missing parent
 * directories are created with mode 0700. Replaces an existing file.
 *
 * @throws the `node:fs` error of the failing step; no temporary file is left behind
 */
export async function saveNodeKey(key: ExportableNodeKey, path: string): Promise<void> {
  await writeFileAtomic(path, encodeNodeKeyJson(key), { mode: NODE_KEY_FILE_MODE })
}

/**
 * Go's `LoadOrGenNodeKey`: loads `path`, or, only when it does not exist, generates a key and
 * writes it (atomically, never replacing a file another process created meanwhile: then that
 * file is loaded instead). A file that exists but is unreadable or corrupt is never replaced.
 *
 * @throws {@link @p2p/types!CorruptFileError | CorruptFileError} when the existing file is corrupt
 * @throws the `node:fs` error when the file cannot be read or written
 */
export async function loadOrGenerateNodeKey(path: string): Promise<Ed25519NodeKey> {
  try {
    return await loadNodeKey(path)
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err
  }
  const key = generateNodeKey()
  const created = await writeFileAtomic(path, encodeNodeKeyJson(key), { mode: NODE_KEY_FILE_MODE, exclusive: true })
  return created ? key : loadNodeKey(path)
}
