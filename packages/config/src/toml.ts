import { open } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { ConfigError } from '@p2p/types'
import { parse, TomlError } from 'smol-toml'
import { defaultP2PConfig, rootify } from './defaults.js'
import { parseGoDuration } from './duration.js'
import { FIELDS, FUZZ_FIELDS, type FieldSpec, tomlKey } from './fields.js'
import type { FuzzConnConfig, P2PConfig } from './p2p-config.js'
import { validateP2PConfig } from './validate.js'

/** A CometBFT config.toml is about 20 KiB; refuse to read anything absurdly larger. */
export const MAX_CONFIG_FILE_BYTES = 4 * 1024 * 1024

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Node home (Go `RootDir`): relative file paths are resolved against it. Default `''`. */
  home?: string
  /** Name of the document, used as `ConfigError.key` for TOML syntax errors. Default `''`. */
  source?: string
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Node home (Go `RootDir`). Default: the parent of the directory holding the file, since Go
   * always reads `<home>/config/config.toml`.
   */
  home?: string
}

type Table = Record<string, unknown>

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

function tomlType(value: unknown): string {
  if (typeof value === 'bigint') return `integer ${value}`
  if (typeof value === 'number') return `float ${value}`
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`
  if (typeof value === 'boolean') return `boolean ${value}`
  if (value instanceof Date) return 'datetime'
  if (Array.isArray(value)) return 'array'
  return 'table'
}

/** Viper lower-cases every key, so Go matches keys case-insensitively; we do the same. */
function lookup(table: Table, name: string, key: string): unknown {
  const wanted = name.toLowerCase()
  let found: string | undefined
  for (const k of Object.keys(table)) {
    if (k.toLowerCase() !== wanted) continue
    if (found !== undefined) throw new ConfigError(key, `${key} is set twice (as ${found} and ${k})`)
    found = k
  }
  return found === undefined ? undefined : table[found]
}

function subTable(doc: Table, name: string, key: string): Table {
  const value = lookup(doc, name, key)
  if (value === undefined) return {}
  if (!isTable(value)) throw new ConfigError(key, `${key} must be a table, got ${tomlType(value)}`)
  return value
}

/** Go's `splitAndTrimEmpty(s, ",", " ")`: split on commas, trim spaces (only), drop empty entries. */
export function splitList(s: string): string[] {
  if (s === '') return []
  return s
    .split(',')
    .map((e) => e.replace(/^ +| +$/g, ''))
    .filter((e) => e !== '')
}

function readInteger(key: string, raw: unknown): number {
  if (typeof raw !== 'bigint') throw new ConfigError(key, `${key} must be an integer, got ${tomlType(raw)}`)
  if (raw < BigInt(Number.MIN_SAFE_INTEGER)) {
    // Every integer key of [p2p] is one Go's ValidateBasic forbids to be negative: keep its message.
    const name = key.slice(key.indexOf('.') + 1)
    if (!name.includes('.')) throw new ConfigError(key, `${name} can't be negative`)
    throw new ConfigError(key, `${key} is out of range (${raw} < ${Number.MIN_SAFE_INTEGER})`)
  }
  if (raw > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ConfigError(key, `${key} is out of range (${raw} > ${Number.MAX_SAFE_INTEGER})`)
  }
  return Number(raw)
}

function readDuration(key: string, raw: unknown): number {
  if (typeof raw !== 'string') {
    throw new ConfigError(
      key,
      `${key} must be a Go duration string such as "100ms" or "10s", got ${tomlType(raw)}` +
        (typeof raw === 'bigint' ? ' (Go would read a bare integer as nanoseconds)' : '')
    )
  }
  try {
    return parseGoDuration(raw, key)
  } catch (err) {
    throw new ConfigError(key, `${key}: ${(err as Error).message}`, { cause: err })
  }
}

function readField(spec: FieldSpec, raw: unknown, home: string): P2PConfig[FieldSpec['field']] {
  const key = tomlKey(spec)
  switch (spec.kind) {
    case 'string':
    case 'path':
      if (typeof raw !== 'string') throw new ConfigError(key, `${key} must be a string, got ${tomlType(raw)}`)
      if (spec.kind === 'string') return raw
      if (raw === '') throw new ConfigError(key, `${key} must not be empty`)
      return rootify(raw, home)
    case 'boolean':
      if (typeof raw !== 'boolean') throw new ConfigError(key, `${key} must be a boolean, got ${tomlType(raw)}`)
      return raw
    case 'integer':
      return readInteger(key, raw)
    case 'duration':
      return readDuration(key, raw)
    case 'list':
      if (typeof raw === 'string') return splitList(raw)
      if (!Array.isArray(raw)) {
        throw new ConfigError(key, `${key} must be a comma-separated string, got ${tomlType(raw)}`)
      }
      // An array (our extension; Go only takes a string) reads as its entries joined by commas.
      raw.forEach((entry: unknown, i) => {
        if (typeof entry !== 'string') {
          throw new ConfigError(key, `${key}[${i}] must be a string, got ${tomlType(entry)}`)
        }
      })
      return splitList(raw.join(','))
  }
}

function readFuzz(p2p: Table, base: FuzzConnConfig): FuzzConnConfig {
  const raw = lookup(p2p, 'test_fuzz_config', 'p2p.test_fuzz_config')
  if (raw === undefined) return base
  if (!isTable(raw)) throw new ConfigError('p2p.test_fuzz_config', `p2p.test_fuzz_config must be a table, got ${tomlType(raw)}`)
  const out = { ...base }
  for (const f of FUZZ_FIELDS) {
    const key = `p2p.test_fuzz_config.${f.name}`
    const value = lookup(raw, f.name, key)
    if (value === undefined) continue
    if (f.kind === 'integer') out[f.field] = readInteger(key, value)
    else if (f.kind === 'duration') out[f.field] = readDuration(key, value)
    else if (typeof value === 'number' || typeof value === 'bigint') out[f.field] = Number(value)
    else throw new ConfigError(key, `${key} must be a number, got ${tomlType(value)}`)
  }
  return out
}

/**
 * Reads a CometBFT v0.34 config.toml: the `[p2p]` section plus `moniker`, `filter_peers`,
 * `node_key_file` and `rpc.laddr`. Keys absent from the document keep Go's defaults; keys this
 * package does not read are ignored. Keys match case-insensitively, as with Go's viper. The
 * result has passed {@link validateP2PConfig}.
 *
 * Stricter than Go on types: a number must be a TOML integer, a duration a Go duration string,
 * a boolean a TOML boolean (viper's weak typing would convert `"40"` or `1`).
 * List keys (`seeds`, `persistent_peers`, `unconditional_peer_ids`, `private_peer_ids`) take
 * Go's comma-separated string or, as an extension, an array of strings.
 *
 * @throws {@link @p2p/types!ConfigError | ConfigError} for malformed TOML (`key` = `options.source`, else `''`), a value of
 * the wrong type, a bad duration, or any {@link validateP2PConfig} failure (`key` = the TOML key)
 */
export function parseConfig(tomlText: string, options: ParseConfigOptions = {}): P2PConfig {
  const source = options.source ?? ''
  const home = options.home ?? ''
  if (typeof tomlText !== 'string') {
    throw new ConfigError(source, `config must be TOML text, got ${typeof tomlText}`)
  }
  if (tomlText.length > MAX_CONFIG_FILE_BYTES) {
    throw new ConfigError(source, `config is ${tomlText.length} characters, more than ${MAX_CONFIG_FILE_BYTES}`)
  }
  let doc: Table
  try {
    doc = parse(tomlText, { integersAsBigInt: true, unsafeKeyBehaviour: 'drop', maxDepth: 64 })
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}, column ${err.column}` : ''
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0]
    throw new ConfigError(source, `${source === '' ? 'config' : source}: malformed TOML${where}: ${why}`, {
      cause: err
    })
  }

  const cfg = defaultP2PConfig({ home })
  const tables: Record<FieldSpec['table'], Table> = {
    '': doc,
    rpc: subTable(doc, 'rpc', 'rpc'),
    p2p: subTable(doc, 'p2p', 'p2p')
  }
  const target = cfg as unknown as Record<FieldSpec['field'], unknown>
  for (const spec of FIELDS) {
    const raw = lookup(tables[spec.table], spec.name, tomlKey(spec))
    if (raw !== undefined) target[spec.field] = readField(spec, raw, home)
  }
  cfg.testFuzzConfig = readFuzz(tables.p2p, cfg.testFuzzConfig)
  validateP2PConfig(cfg)
  return cfg
}

/**
 * Reads and parses a CometBFT config.toml file (see {@link parseConfig}).
 *
 * @throws {@link @p2p/types!ConfigError | ConfigError} with `key` = `path` when the file cannot be read, is larger than
 * {@link MAX_CONFIG_FILE_BYTES}, is not UTF-8 or is not TOML; otherwise as {@link parseConfig}
 */
export async function loadConfig(path: string, options: LoadConfigOptions = {}): Promise<P2PConfig> {
  let bytes: Uint8Array
  try {
    const fh = await open(path, 'r')
    try {
      const { size } = await fh.stat()
      if (size > MAX_CONFIG_FILE_BYTES) {
        throw new ConfigError(path, `config file ${path} is ${size} bytes, more than ${MAX_CONFIG_FILE_BYTES}`)
      }
      bytes = await fh.readFile()
    } finally {
      await fh.close()
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(path, `cannot read config file ${path}: ${(err as Error).message}`, { cause: err })
  }
  // A file that grew after stat() is still bounded by what we accept.
  if (bytes.length > MAX_CONFIG_FILE_BYTES) {
    throw new ConfigError(path, `config file ${path} is more than ${MAX_CONFIG_FILE_BYTES} bytes`)
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (err) {
    throw new ConfigError(path, `config file ${path} is not valid UTF-8`, { cause: err })
  }
  const home = options.home ?? resolve(dirname(path), '..')
  return parseConfig(text, { home, source: path })
}
