/**
 * @packageDocumentation
 *
 * CometBFT v0.34 p2p configuration for the `@p2p` packages:
 *
 * - {@link P2PConfig}: every field of Go's `[p2p]` section (plus `moniker`, `rpc.laddr`,
 *   `filter_peers`, `node_key_file`), with Go's defaults ({@link defaultP2PConfig},
 *   {@link testP2PConfig});
 * - {@link loadConfig} / {@link parseConfig}: read a CometBFT `config.toml`, Go duration strings
 *   included ({@link parseGoDuration}), and check it ({@link validateP2PConfig}); every bad value
 *   is a `ConfigError` whose `key` is the TOML key;
 * - the node key file `node_key.json`, byte-identical to Go's ({@link loadOrGenerateNodeKey},
 *   {@link loadNodeKey}, {@link saveNodeKey}, {@link generateNodeKey}, {@link nodeKeyFromSeed}),
 *   written atomically with mode 0600; a corrupt file is a `CorruptFileError`, never replaced.
 *
 * Layer packages (transport, switch, addrbook, pex, peer-manager) do not import this package:
 * `@p2p/node` maps a {@link P2PConfig} onto each layer's own options.
 *
 * @example
 * ```ts
 * import { mkdtemp, writeFile } from 'node:fs/promises'
 * import { tmpdir } from 'node:os'
 * import { join } from 'node:path'
 * import { loadConfig, loadOrGenerateNodeKey } from '@p2p/config'
 *
 * const home = await mkdtemp(join(tmpdir(), 'p2p-home-'))
 * await writeFile(join(home, 'config.toml'), '[p2p]\nladdr = "tcp://0.0.0.0:26656"\nflush_throttle_timeout = "10ms"\n')
 * const config = await loadConfig(join(home, 'config.toml'), { home })
 * console.log(config.flushThrottleTimeoutMs, config.maxNumInboundPeers) // 10 40
 *
 * const nodeKey = await loadOrGenerateNodeKey(config.nodeKeyFile) // <home>/config/node_key.json
 * console.log(nodeKey.id) // 40 hex characters
 * ```
 */
export { hostPortProblem, peerAddressProblem } from './address-syntax.js'
// The atomic write lives in @p2p/types/fs (one copy for config and the address book).
export { type WriteFileAtomicOptions, writeFileAtomic } from '@p2p/types/fs'
export {
  DEFAULT_ADDR_BOOK_PATH,
  DEFAULT_CONFIG_FILE_PATH,
  DEFAULT_NODE_KEY_PATH,
  type DefaultConfigOptions,
  defaultFuzzConnConfig,
  defaultMoniker,
  defaultP2PConfig,
  rootify,
  testP2PConfig
} from './defaults.js'
export {
  formatGoDuration,
  formatGoDurationNs,
  MAX_GO_DURATION_NS,
  MIN_GO_DURATION_NS,
  parseGoDuration,
  parseGoDurationNs
} from './duration.js'
export {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SEED_LENGTH,
  Ed25519NodeKey,
  GO_ED25519_PRIVATE_KEY_LENGTH,
  generateNodeKey,
  nodeKeyFromSeed,
  verifyEd25519
} from './node-key.js'
export {
  decodeNodeKeyJson,
  type ExportableNodeKey,
  encodeNodeKeyJson,
  loadNodeKey,
  loadOrGenerateNodeKey,
  MAX_NODE_KEY_FILE_BYTES,
  NODE_KEY_FILE_MODE,
  PRIV_KEY_ED25519_TYPE,
  saveNodeKey
} from './node-key-file.js'
export type { FuzzConnConfig, P2PConfig } from './p2p-config.js'
export {
  type LoadConfigOptions,
  loadConfig,
  MAX_CONFIG_FILE_BYTES,
  type ParseConfigOptions,
  parseConfig,
  splitList
} from './toml.js'
export { validateP2PConfig } from './validate.js'
