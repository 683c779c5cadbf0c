import { randomBytes } from 'node:crypto'
import { mkdir, open, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import {
  DEFAULT_CONFIG_FILE_PATH,
  defaultP2PConfig,
  type Ed25519NodeKey,
  loadConfig,
  loadOrGenerateNodeKey,
  type P2PConfig,
  rootify,
  writeFileAtomic
} from '@p2p/config'
import { ConfigError, CorruptFileError } from '@p2p/types'
import { renderConfigToml } from './config-template.js'

/** Go's `defaultGenesisJSONPath`, relative to home. */
export const DEFAULT_GENESIS_PATH = join('config', 'genesis.json')
/** How much of genesis.json is read to find `chain_id` (real genesis files reach hundreds of MB). */
const GENESIS_HEAD_BYTES = 1024 * 1024
/** Go's `MaxChainIDLen`. */
export const MAX_CHAIN_ID_LENGTH = 50

/** The files of a CometBFT home directory that a p2p node uses. */
export interface HomePaths {
  readonly home: string
  readonly configFile: string
  readonly nodeKeyFile: string
  readonly addrBookFile: string
  readonly genesisFile: string
}

/** The absolute paths of the files under `home` (Go's defaults: config/config.toml, config/node_key.json, config/addrbook.json, config/genesis.json). Reads nothing. */
export function homePaths(home: string): HomePaths {
  const abs = resolve(home)
  const defaults = defaultP2PConfig({ home: abs })
  return {
    home: abs,
    configFile: rootify(DEFAULT_CONFIG_FILE_PATH, abs),
    nodeKeyFile: defaults.nodeKeyFile,
    addrBookFile: defaults.addrBookFile,
    genesisFile: rootify(DEFAULT_GENESIS_PATH, abs)
  }
}

/** Options of {@link initHome}. */
export interface InitHomeOptions {
  /** Settings written into the new config.toml (an existing one is kept as it is). */
  config?: Partial<Omit<P2PConfig, 'home'>>
  /** The chain ID written into a new genesis.json. Default `test-chain-XXXXXX`, as Go. */
  chainId?: string
}

/** What {@link initHome} did. */
export interface InitHomeResult {
  readonly paths: HomePaths
  /** The node's key: the one found in node_key.json, or the one just generated. */
  readonly nodeKey: Ed25519NodeKey
  /** Files written now. */
  readonly created: string[]
  /** Files that existed and were left untouched. */
  readonly kept: string[]
}

/**
 * Go's `cometbft init` for the p2p files: creates `<home>/config` and `<home>/data`, writes a
 * commented config.toml, a node_key.json and a minimal genesis.json, each only where none
 * exists: an existing file (a Go node's, say) is never overwritten. A corrupt existing
 * node_key.json is an error, not a reason to make a new key.
 *
 * @throws CorruptFileError for an unreadable node_key.json
 */
export async function initHome(home: string, options: InitHomeOptions = {}): Promise<InitHomeResult> {
  const paths = homePaths(home)
  const created: string[] = []
  const kept: string[] = []
  await mkdir(join(paths.home, 'config'), { recursive: true, mode: 0o700 })
  await mkdir(join(paths.home, 'data'), { recursive: true, mode: 0o700 })

  const cfg: P2PConfig = { ...defaultP2PConfig({ home: paths.home }), ...options.config, home: paths.home }
  if (await writeFileAtomic(paths.configFile, renderConfigToml(cfg), { mode: 0o644, exclusive: true })) created.push(paths.configFile)
  else kept.push(paths.configFile)

  const keyExisted = await exists(paths.nodeKeyFile)
  const nodeKey = await loadOrGenerateNodeKey(paths.nodeKeyFile)
  ;(keyExisted ? kept : created).push(paths.nodeKeyFile)

  const chainId = options.chainId ?? `test-chain-${randomBytes(3).toString('hex').toUpperCase()}`
  checkChainId(chainId, '--chain-id')
  if (await writeFileAtomic(paths.genesisFile, renderGenesis(chainId), { mode: 0o644, exclusive: true })) created.push(paths.genesisFile)
  else kept.push(paths.genesisFile)
  return { paths, nodeKey, created, kept }
}

/** A genesis document Go's `GenesisDoc.ValidateAndComplete` accepts (validators come from the app). */
function renderGenesis(chainId: string): string {
  const doc = { genesis_time: new Date().toISOString(), chain_id: chainId, initial_height: '1', validators: [], app_hash: '' }
  return `${JSON.stringify(doc, null, 2)}\n`
}

/** What {@link loadHome} read. */
export interface LoadedHome {
  readonly paths: HomePaths
  readonly config: P2PConfig
  readonly nodeKey: Ed25519NodeKey
  /** The genesis `chain_id`, or undefined when the home has no genesis.json. */
  readonly chainId: string | undefined
  /** True when node_key.json was missing and has just been generated (as Go does at start). */
  readonly generatedKey: boolean
}

/**
 * Reads a CometBFT home directory: `config/config.toml` (required), the node key (generated
 * when missing, as Go's `LoadOrGenNodeKey`; a corrupt one is an error and is left alone) and
 * the chain ID from `config/genesis.json`.
 *
 * @throws ConfigError (`key` = `--home` or the file) for a missing home or config.toml, or a bad
 *   value (`key` = the TOML key); CorruptFileError for a corrupt node_key.json or genesis.json
 */
export async function loadHome(home: string): Promise<LoadedHome> {
  const paths = homePaths(home)
  const st = await stat(paths.home).catch(() => undefined)
  if (st === undefined) throw new ConfigError('--home', `home directory ${paths.home} does not exist (create it with: p2p-node init --home ${home})`)
  if (!st.isDirectory()) throw new ConfigError('--home', `home ${paths.home} is not a directory`)
  if (!(await exists(paths.configFile))) {
    throw new ConfigError(paths.configFile, `${paths.configFile} not found (create it with: p2p-node init --home ${home})`)
  }
  const config = await loadConfig(paths.configFile, { home: paths.home }).catch((err: unknown) => {
    // name the file in every message, not only the key
    if (err instanceof ConfigError && !err.message.includes(paths.configFile)) {
      throw new ConfigError(err.key, `${paths.configFile}: ${err.message}`, { cause: err })
    }
    throw err
  })
  const generatedKey = !(await exists(config.nodeKeyFile))
  const nodeKey = await loadOrGenerateNodeKey(config.nodeKeyFile)
  const chainId = await readChainId(paths.genesisFile)
  return { paths, config, nodeKey, chainId, generatedKey }
}

/**
 * The `chain_id` of a genesis.json, read from its first MiB (it comes first in every genesis
 * Go writes), or undefined when the file does not exist.
 *
 * @throws CorruptFileError when the file exists but has no readable chain_id
 */
export async function readChainId(file: string): Promise<string | undefined> {
  let head: string
  try {
    const fh = await open(file, 'r')
    try {
      const buf = Buffer.alloc(GENESIS_HEAD_BYTES)
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
      head = buf.subarray(0, bytesRead).toString('utf8')
    } finally {
      await fh.close()
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined
    throw new CorruptFileError(file, `cannot read ${file}: ${(err as Error).message}`, { cause: err })
  }
  const m = /"chain_id"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(head)
  if (m === null || m[1] === undefined) throw new CorruptFileError(file, `${file}: no "chain_id" found (pass --chain-id to override)`)
  const chainId = JSON.parse(`"${m[1]}"`) as string
  checkChainId(chainId, file)
  return chainId
}

/**
 * Checks a chain ID as Go's genesis validation does: 1 to {@link MAX_CHAIN_ID_LENGTH} characters.
 *
 * @throws ConfigError with `key` (the option or file it came from) otherwise
 */
export function checkChainId(chainId: string, key: string): void {
  if (chainId === '' || chainId.length > MAX_CHAIN_ID_LENGTH) {
    throw new ConfigError(key, `${key}: chain ID must be 1 to ${MAX_CHAIN_ID_LENGTH} characters, got ${JSON.stringify(chainId)}`)
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return false
    throw err
  }
}

