import { hostname } from 'node:os'
import { isAbsolute, join } from 'node:path'
import type { FuzzConnConfig, P2PConfig } from './p2p-config.js'

/** Go's `defaultNodeKeyPath`, relative to home. */
export const DEFAULT_NODE_KEY_PATH = join('config', 'node_key.json')
/** Go's `defaultAddrBookPath`, relative to home. */
export const DEFAULT_ADDR_BOOK_PATH = join('config', 'addrbook.json')
/** Go's `defaultConfigFilePath`, relative to home. */
export const DEFAULT_CONFIG_FILE_PATH = join('config', 'config.toml')

/**
 * Go's `rootify`: absolute paths stay as they are, relative ones are joined to `home`
 * (`filepath.Join`, which also cleans the result).
 */
export function rootify(path: string, home: string): string {
  return isAbsolute(path) ? path : join(home, path)
}

/** Go's `getDefaultMoniker`: the host name, or `anonymous` when it cannot be read. */
export function defaultMoniker(): string {
  try {
    const name = hostname()
    return name === '' ? 'anonymous' : name
  } catch {
    return 'anonymous'
  }
}

/** Go's `DefaultFuzzConnConfig`. */
export function defaultFuzzConnConfig(): FuzzConnConfig {
  return { mode: 0, maxDelayMs: 3_000, probDropRW: 0.2, probDropConn: 0, probSleep: 0 }
}

/** Options of {@link defaultP2PConfig}. */
export interface DefaultConfigOptions {
  /** Node home (Go `RootDir`); file paths are resolved against it. Default `''` (as Go's `DefaultConfig`). */
  home?: string
}

/**
 * Go's `DefaultP2PConfig()` plus the defaults of the related node settings (`DefaultBaseConfig`,
 * `DefaultRPCConfig`). Returns a fresh object each call.
 */
export function defaultP2PConfig(options: DefaultConfigOptions = {}): P2PConfig {
  const home = options.home ?? ''
  return {
    home,
    moniker: defaultMoniker(),
    rpcListenAddress: 'tcp://127.0.0.1:26657',
    filterPeers: false,
    nodeKeyFile: rootify(DEFAULT_NODE_KEY_PATH, home),

    listenAddress: 'tcp://0.0.0.0:26656',
    externalAddress: '',
    seeds: [],
    persistentPeers: [],
    upnp: false,
    addrBookFile: rootify(DEFAULT_ADDR_BOOK_PATH, home),
    addrBookStrict: true,
    maxNumInboundPeers: 40,
    maxNumOutboundPeers: 10,
    unconditionalPeerIds: [],
    persistentPeersMaxDialPeriodMs: 0,
    flushThrottleTimeoutMs: 100,
    maxPacketMsgPayloadSize: 1024,
    sendRate: 5_120_000,
    recvRate: 5_120_000,
    pexReactor: true,
    seedMode: false,
    privatePeerIds: [],
    allowDuplicateIp: false,
    handshakeTimeoutMs: 20_000,
    dialTimeoutMs: 3_000,
    testDialFail: false,
    testFuzz: false,
    testFuzzConfig: defaultFuzzConnConfig()
  }
}

/**
 * Go's `TestP2PConfig()`: the defaults with `laddr = tcp://127.0.0.1:36656`,
 * `flush_throttle_timeout = 10ms` and `allow_duplicate_ip = true`. The related node settings
 * follow Go's `TestConfig()` (`rpc.laddr = tcp://127.0.0.1:36657`).
 */
export function testP2PConfig(options: DefaultConfigOptions = {}): P2PConfig {
  return {
    ...defaultP2PConfig(options),
    rpcListenAddress: 'tcp://127.0.0.1:36657',
    listenAddress: 'tcp://127.0.0.1:36656',
    flushThrottleTimeoutMs: 10,
    allowDuplicateIp: true
  }
}
