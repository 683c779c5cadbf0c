import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type NetAddress, type NodeID, parseNetAddressLiteral } from '@p2p/types'
import { addrBook, type AddrBookInit, type BucketedAddrBook } from '../src/index.js'

export interface PairRow {
  addr: string
  src: string
  group_key_addr_strict: string
  group_key_src_strict: string
  group_key_addr_nonstrict: string
  group_key_src_nonstrict: string
  new_bucket_strict: number
  new_bucket_nonstrict: number
  old_bucket_strict: number
  old_bucket_nonstrict: number
  nonstrict_new_data1_hex: string
  nonstrict_new_hash1_hex: string
  nonstrict_new_data2_hex: string
  nonstrict_new_hash2_hex: string
  nonstrict_old_data1_hex: string
  nonstrict_old_hash1_hex: string
  nonstrict_old_data2_hex: string
  nonstrict_old_hash2_hex: string
}

export interface SavedBook {
  addrbook_json: string
  final_state: Array<{
    addr: string
    bucket_type: 'new' | 'old'
    buckets: number[]
    calc_new_bucket_with_its_src: number
    calc_old_bucket: number
    attempts: number
  }>
  ops: Array<{ op: 'AddOurAddress' | 'AddAddress' | 'MarkGood' | 'MarkAttempt'; addr: string; src?: string; error: string | null }>
}

export interface BucketVectors {
  addrbook_key: string
  hash_key_hex: string
  constants: Record<string, number>
  highwayhash64_samples: Array<{ input_hex: string; hash_hex: string }>
  pairs: PairRow[]
  saved_book: SavedBook
}

export const vectors: BucketVectors = JSON.parse(
  readFileSync(new URL('./fixtures/addrbook_buckets.json', import.meta.url), 'utf8')
) as BucketVectors

export const hashKey = Uint8Array.from(Buffer.from(vectors.hash_key_hex, 'hex'))

export function addr(s: string): NetAddress {
  return parseNetAddressLiteral(s)
}

/** A deterministic PRNG (mulberry32) so every test run makes the same choices. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Random routable IPv4 addresses with random IDs, as Go's `randIPv4Address`. */
export function randomAddresses(n: number, random: () => number): NetAddress[] {
  const out: NetAddress[] = []
  const byte = (): number => Math.floor(random() * 256)
  while (out.length < n) {
    const a = 1 + Math.floor(random() * 223)
    if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192) continue
    let id = ''
    for (let i = 0; i < 20; i++) id += byte().toString(16).padStart(2, '0')
    out.push({ id: id as NodeID, ip: `${a}.${byte()}.${byte()}.${1 + Math.floor(random() * 254)}`, port: 1 + Math.floor(random() * 65534) })
  }
  return out
}

/** A book whose every choice is reproducible: seeded random numbers, the vectors' keys. */
export function makeBook(init: AddrBookInit = {}): BucketedAddrBook {
  return addrBook({ random: seeded(1), key: vectors.addrbook_key, hashKey, ...init })({})
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'addrbook-test-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Where a suite's tests keep their book file; see {@link tempBookFile}. */
export interface TempBookFile {
  /** The test's directory, set by `create`. */
  readonly dir: string
  /** `addrbook.json` in `dir` (not created). */
  readonly path: string
  /** A fresh {@link tempDir}: call in `beforeEach`. */
  create(): void
  /** Removes it: call in `afterEach`. */
  remove(): void
}

/**
 * A temporary book file per test (read `dir` and `path` inside the tests: they change per
 * test). The suite registers the hooks: this module stays free of vitest, as save-loop-child.ts
 * loads it in plain Node.
 */
export function tempBookFile(): TempBookFile {
  let cleanup = (): void => {}
  const file = {
    dir: '',
    path: '',
    create(): void {
      const t = tempDir()
      file.dir = t.dir
      file.path = join(t.dir, 'addrbook.json')
      cleanup = t.cleanup
    },
    remove(): void {
      cleanup()
    }
  }
  return file
}

/** Checks the invariants tying buckets, lookup and counters together. */
export function assertConsistent(book: BucketedAddrBook): void {
  const t = book.table
  const seen = new Map<string, number>()
  for (const [type, buckets, max] of [
    [1, t.newBuckets, 65],
    [2, t.oldBuckets, 65]
  ] as const) {
    buckets.forEach((bucket, index) => {
      if (bucket.length > max) throw new Error(`bucket ${type}/${index} holds ${bucket.length}`)
      if (new Set(bucket).size !== bucket.length) throw new Error(`bucket ${type}/${index} holds an entry twice`)
      for (const ka of bucket) {
        const key = ka.key
        if (ka.bucketType !== type) throw new Error(`${key} typed ${ka.bucketType} in bucket type ${type}`)
        if (!ka.buckets.includes(index)) throw new Error(`${key} does not list bucket ${index}`)
        if (t.lookup.get(ka.id) !== ka) throw new Error(`${key} is in a bucket but not in the lookup`)
        seen.set(key, (seen.get(key) ?? 0) + 1)
      }
    })
  }
  let nNew = 0
  let nOld = 0
  for (const ka of t.lookup.values()) {
    if (ka.buckets.length === 0) throw new Error(`${ka.key} is in no bucket`)
    if (ka.isOld() && ka.buckets.length !== 1) throw new Error(`old ${ka.key} in ${ka.buckets.length} buckets`)
    if (ka.isNew() && ka.buckets.length > 4) throw new Error(`new ${ka.key} in ${ka.buckets.length} buckets`)
    if (seen.get(ka.key) !== ka.buckets.length) throw new Error(`${ka.key} bucket refs disagree`)
    if (ka.isOld()) nOld++
    else nNew++
    if (book.badPeers.has(ka.id)) throw new Error(`${ka.key} is banned and in the book`)
  }
  if (nNew !== t.nNew || nOld !== t.nOld) throw new Error(`counts ${t.nNew}/${t.nOld}, entries ${nNew}/${nOld}`)
}
