import { createHash } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { ed25519 } from '@noble/curves/ed25519.js'
import { CorruptFileError, InvalidArgumentError } from '@p2p/types'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  decodeNodeKeyJson,
  encodeNodeKeyJson,
  generateNodeKey,
  loadNodeKey,
  loadOrGenerateNodeKey,
  MAX_NODE_KEY_FILE_BYTES,
  nodeKeyFromSeed,
  saveNodeKey,
  verifyEd25519
} from '../src/index.js'

interface Example {
  desc: string
  ed25519_seed: string
  privkey_go_64: string
  pubkey: string
  pubkey_base64: string
  address_sha256_20: string
  node_id: string
  file_content: string
  reloaded_node_id: string
}
interface Vectors {
  examples: Example[]
  generated_example: { file_content: string; file_mode: string; node_id: string; pubkey: string }
}
const vectors = JSON.parse(
  await readFile(new URL('./fixtures/node_key.json', import.meta.url), 'utf8')
) as Vectors

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'p2p-node-key-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('node_key.json vectors from Go', () => {
  it.each(vectors.examples.map((e) => [e.desc, e] as const))('%s: seed gives Go id, pubkey and 64-byte key', (_d, e) => {
    const key = nodeKeyFromSeed(unhex(e.ed25519_seed))
    expect(key.id).toBe(e.node_id)
    expect(key.id).toBe(e.address_sha256_20)
    expect(hex(key.publicKey)).toBe(e.pubkey)
    expect(Buffer.from(key.publicKey).toString('base64')).toBe(e.pubkey_base64)
    expect(hex(key.privateKeyBytes())).toBe(e.privkey_go_64)
    // Independent derivation of the ID: sha256(pubkey)[:20].
    expect(createHash('sha256').update(unhex(e.pubkey)).digest('hex').slice(0, 40)).toBe(e.node_id)
  })

  it.each(vectors.examples.map((e) => [e.desc, e] as const))('%s: saved file is byte-identical to Go', async (_d, e) => {
    const key = nodeKeyFromSeed(unhex(e.ed25519_seed))
    expect(encodeNodeKeyJson(key)).toBe(e.file_content)
    const path = join(dir, `vec-${e.node_id}.json`)
    await saveNodeKey(key, path)
    expect(await readFile(path, 'utf8')).toBe(e.file_content)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it.each(vectors.examples.map((e) => [e.desc, e] as const))('%s: Go file loads back to the same key', async (_d, e) => {
    const path = join(dir, `go-${e.node_id}.json`)
    await writeFile(path, e.file_content)
    const key = await loadNodeKey(path)
    expect(key.id).toBe(e.reloaded_node_id)
    expect(hex(key.publicKey)).toBe(e.pubkey)
    expect(decodeNodeKeyJson(e.file_content).id).toBe(e.reloaded_node_id)
  })

  it('loads the file Go generated (generated_example)', async () => {
    const g = vectors.generated_example
    expect(g.file_mode).toBe('0600')
    const path = join(dir, 'go-generated.json')
    await writeFile(path, g.file_content, { mode: 0o600 })
    const key = await loadNodeKey(path)
    expect(key.id).toBe(g.node_id)
    expect(hex(key.publicKey)).toBe(g.pubkey)
    expect(encodeNodeKeyJson(key)).toBe(g.file_content)
    // loadOrGenerate must load it, not replace it.
    expect((await loadOrGenerateNodeKey(path)).id).toBe(g.node_id)
    expect(await readFile(path, 'utf8')).toBe(g.file_content)
  })
})

describe('signing', () => {
  const message = new TextEncoder().encode('challenge')

  it.each(vectors.examples.map((e) => [e.desc, e] as const))('%s: signature is RFC 8032 (checked by @noble/curves)', (_d, e) => {
    const key = nodeKeyFromSeed(unhex(e.ed25519_seed))
    const sig = key.sign(message)
    expect(sig.length).toBe(64)
    // ed25519 is deterministic: node:crypto and noble must produce the same bytes.
    expect(hex(sig)).toBe(hex(ed25519.sign(message, unhex(e.ed25519_seed))))
    expect(ed25519.verify(sig, message, key.publicKey)).toBe(true)
    expect(key.verify(message, sig)).toBe(true)
    expect(verifyEd25519(key.publicKey, message, sig)).toBe(true)
  })

  it('signs random messages with random keys exactly as RFC 8032 (libsodium when it loads, else node:crypto)', () => {
    for (let i = 0; i < 50; i++) {
      const seed = new Uint8Array(32).map(() => Math.floor(Math.random() * 256))
      const m = new Uint8Array(i * 7).map(() => Math.floor(Math.random() * 256))
      expect(hex(nodeKeyFromSeed(seed).sign(m))).toBe(hex(ed25519.sign(m, seed)))
    }
  })

  it('returns a new signature array from every call (never a reused buffer)', () => {
    const key = generateNodeKey()
    const short = key.sign(Uint8Array.of(1, 2, 3))
    const kept = short.slice()
    const long = key.sign(new Uint8Array(300).fill(4))
    expect(short).toEqual(kept)
    expect(short).not.toEqual(long)
    expect(key.verify(Uint8Array.of(1, 2, 3), short)).toBe(true)
    expect(key.verify(new Uint8Array(300).fill(4), long)).toBe(true)
  })

  it('rejects a wrong message, a flipped bit and bad lengths', () => {
    const key = generateNodeKey()
    const sig = key.sign(message)
    expect(key.verify(new TextEncoder().encode('other'), sig)).toBe(false)
    const bad = sig.slice()
    bad[10] = (bad[10] ?? 0) ^ 1
    expect(key.verify(message, bad)).toBe(false)
    expect(verifyEd25519(key.publicKey.subarray(0, 31), message, sig)).toBe(false)
    expect(verifyEd25519(key.publicKey, message, sig.subarray(0, 63))).toBe(false)
  })

  it('generates distinct keys whose id matches the public key', () => {
    const a = generateNodeKey()
    const b = generateNodeKey()
    expect(a.id).not.toBe(b.id)
    expect(a.id).toMatch(/^[0-9a-f]{40}$/)
    expect(createHash('sha256').update(a.publicKey).digest('hex').slice(0, 40)).toBe(a.id)
    expect(ed25519.getPublicKey(a.privateKeyBytes().subarray(0, 32))).toEqual(a.publicKey)
  })

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => nodeKeyFromSeed(new Uint8Array(31))).toThrow(InvalidArgumentError)
    expect(() => nodeKeyFromSeed(new Uint8Array(64))).toThrow(InvalidArgumentError)
  })

  it('never prints the private key', () => {
    const e = vectors.examples[0] as Example
    const key = nodeKeyFromSeed(unhex(e.ed25519_seed))
    const secretB64 = JSON.parse(e.file_content).priv_key.value as string
    const outputs = [inspect(key, { showHidden: true, depth: 10 }), JSON.stringify(key), String(key), JSON.stringify({ key })]
    for (const out of outputs) {
      expect(out).not.toContain(e.ed25519_seed)
      expect(out).not.toContain(secretB64.slice(0, 40))
    }
    expect(inspect(key)).toContain(e.node_id)
    expect(JSON.parse(JSON.stringify(key))).toEqual({ id: e.node_id, publicKey: e.pubkey_base64 })
    expect(Object.keys(key)).toEqual(['id'])
  })

  it('hands out copies of the public key', () => {
    const key = generateNodeKey()
    const pub = key.publicKey
    pub.fill(0)
    expect(key.publicKey).not.toEqual(pub)
    expect(key.verify(message, key.sign(message))).toBe(true)
  })
})

describe('files', () => {
  it('writes atomically: no temporary file left, mode 0600, replaces the old file', async () => {
    const sub = join(dir, 'atomic')
    await mkdir(sub)
    const path = join(sub, 'node_key.json')
    const first = generateNodeKey()
    const second = generateNodeKey()
    await saveNodeKey(first, path)
    await saveNodeKey(second, path)
    expect(await readdir(sub)).toEqual(['node_key.json'])
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await loadNodeKey(path)).id).toBe(second.id)
  })

  it('keeps mode 0600 whatever the old file mode was', async () => {
    const path = join(dir, 'was-public.json')
    await writeFile(path, 'x', { mode: 0o644 })
    await chmod(path, 0o644)
    await saveNodeKey(generateNodeKey(), path)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it('creates missing directories with mode 0700', async () => {
    const path = join(dir, 'deep', 'config', 'node_key.json')
    const key = await loadOrGenerateNodeKey(path)
    expect((await loadNodeKey(path)).id).toBe(key.id)
    expect((await stat(join(dir, 'deep', 'config'))).mode & 0o777).toBe(0o700)
  })

  it('cleans up the temporary file when the final rename fails', async () => {
    const sub = join(dir, 'fail')
    await mkdir(join(sub, 'node_key.json'), { recursive: true }) // a directory where the file should go
    await expect(saveNodeKey(generateNodeKey(), join(sub, 'node_key.json'))).rejects.toMatchObject({
      code: expect.stringMatching(/EISDIR|ENOTEMPTY|EEXIST|EPERM/)
    })
    expect(await readdir(sub)).toEqual(['node_key.json'])
  })

  it('loadOrGenerate generates once, then loads the same key', async () => {
    const path = join(dir, 'gen', 'node_key.json')
    const a = await loadOrGenerateNodeKey(path)
    const content = await readFile(path, 'utf8')
    expect(content).toBe(encodeNodeKeyJson(a))
    expect(content.endsWith('\n')).toBe(false)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const b = await loadOrGenerateNodeKey(path)
    expect(b.id).toBe(a.id)
    expect(await readFile(path, 'utf8')).toBe(content)
  })

  it('concurrent loadOrGenerate calls agree on one key', async () => {
    const path = join(dir, 'race', 'node_key.json')
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrGenerateNodeKey(path)))
    const onDisk = await loadNodeKey(path)
    for (const k of keys) expect(k.id).toBe(onDisk.id)
    expect(await readdir(join(dir, 'race'))).toEqual(['node_key.json'])
  })

  it('loadNodeKey of a missing file is the fs ENOENT error', async () => {
    await expect(loadNodeKey(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

const GOOD = (vectors.examples[1] as Example).file_content
const GOOD_VALUE = JSON.parse(GOOD).priv_key.value as string
const bytes64 = Buffer.from(GOOD_VALUE, 'base64')
const mismatched = Buffer.concat([bytes64.subarray(0, 32), Buffer.alloc(32, 7)]).toString('base64')
const wrap = (value: unknown, type: unknown = 'tendermint/PrivKeyEd25519'): string =>
  JSON.stringify({ priv_key: { type, value } })

/** [what, file content, expected message part]. */
const CORRUPT: ReadonlyArray<readonly [string, string | Buffer, RegExp]> = [
  ['empty file', '', /not JSON/],
  ['truncated', GOOD.slice(0, GOOD.length - 3), /not JSON/],
  ['truncated to half', GOOD.slice(0, 40), /not JSON/],
  ['not JSON', 'hello', /not JSON/],
  ['JSON null', 'null', /not a JSON object/],
  ['JSON array', '[]', /not a JSON object/],
  ['no priv_key', '{}', /no priv_key object/],
  ['priv_key a string', '{"priv_key":"abc"}', /no priv_key object/],
  ['wrong key type', wrap(GOOD_VALUE, 'tendermint/PrivKeySecp256k1'), /priv_key.type is "tendermint\/PrivKeySecp256k1"/],
  ['missing key type', JSON.stringify({ priv_key: { value: GOOD_VALUE } }), /priv_key.type is undefined/],
  ['value a number', wrap(5), /priv_key.value is not a string/],
  ['value not base64', wrap('!!!!'), /not standard base64/],
  ['value url-safe base64', wrap(GOOD_VALUE.replace(/\+/g, '-').replace(/\//g, '_').replace('A', '-')), /not standard base64/],
  ['value without padding', wrap(GOOD_VALUE.replace(/=+$/, '')), /not standard base64/],
  ['value 32 bytes (seed only)', wrap(bytes64.subarray(0, 32).toString('base64')), /32 bytes, expected 64/],
  ['value 63 bytes', wrap(bytes64.subarray(0, 63).toString('base64')), /63 bytes, expected 64/],
  ['value 65 bytes', wrap(Buffer.concat([bytes64, Buffer.from([0])]).toString('base64')), /65 bytes, expected 64/],
  ['value empty', wrap(''), /0 bytes, expected 64/],
  ['public half does not match seed', wrap(mismatched), /does not match its seed/],
  ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not UTF-8/]
]

describe('corrupt files give CorruptFileError naming the path, and are never replaced', () => {
  it.each(CORRUPT)('%s', async (what, content, message) => {
    const path = join(dir, `corrupt-${what.replace(/\W+/g, '-')}.json`)
    await writeFile(path, content, { mode: 0o600 })
    for (const load of [loadNodeKey, loadOrGenerateNodeKey]) {
      const err = await load(path).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(CorruptFileError)
      expect((err as CorruptFileError).name).toBe('CorruptFileError')
      expect((err as CorruptFileError).path).toBe(path)
      expect((err as CorruptFileError).message).toContain(path)
      expect((err as CorruptFileError).message).toMatch(message)
    }
    expect(await readFile(path)).toEqual(Buffer.from(content))
  })

  it('an oversized file', async () => {
    const path = join(dir, 'huge.json')
    await writeFile(path, Buffer.alloc(MAX_NODE_KEY_FILE_BYTES + 1, 0x20))
    await expect(loadOrGenerateNodeKey(path)).rejects.toBeInstanceOf(CorruptFileError)
    expect((await stat(path)).size).toBe(MAX_NODE_KEY_FILE_BYTES + 1)
  })

  it('accepts what Go accepts: whitespace, extra fields, line breaks inside the base64', () => {
    const e = vectors.examples[0] as Example
    const value = JSON.parse(e.file_content).priv_key.value as string
    const pretty = JSON.stringify(
      { extra: 1, priv_key: { value: `${value.slice(0, 40)}\n${value.slice(40)}`, type: 'tendermint/PrivKeyEd25519', x: [] } },
      null,
      2
    )
    expect(decodeNodeKeyJson(`${pretty}\n`).id).toBe(e.node_id)
  })
})

describe('fuzz: decodeNodeKeyJson throws nothing but CorruptFileError', () => {
  const onlyCorrupt = (text: string): boolean => {
    try {
      const key = decodeNodeKeyJson(text, 'f')
      return /^[0-9a-f]{40}$/.test(key.id)
    } catch (err) {
      return err instanceof CorruptFileError && err.path === 'f'
    }
  }

  it('arbitrary text and JSON', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), onlyCorrupt), { numRuns: 300 })
  })

  it('the Go file with one character replaced', () => {
    fc.assert(
      fc.property(fc.nat(GOOD.length - 1), fc.string({ minLength: 0, maxLength: 2 }), (at, ch) =>
        onlyCorrupt(GOOD.slice(0, at) + ch + GOOD.slice(at + 1))
      ),
      { numRuns: 400 }
    )
  })

  it('priv_key objects with random type and value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant('tendermint/PrivKeyEd25519'), fc.string()), fc.anything(), (type, value) => {
        return onlyCorrupt(wrap(value, type))
      }),
      { numRuns: 300 }
    )
  })
})
