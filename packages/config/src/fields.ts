import type { P2PConfig } from './p2p-config.js'

/** How a config.toml value is read and checked. */
export type FieldKind = 'string' | 'boolean' | 'integer' | 'duration' | 'list' | 'path'

/** One config.toml key and the {@link P2PConfig} field it fills. */
export interface FieldSpec {
  /** Table the key lives in: `''` for the top level, else `rpc` or `p2p`. */
  readonly table: '' | 'rpc' | 'p2p'
  /** Key inside its table, as Go's `mapstructure` tag spells it. */
  readonly name: string
  readonly field: Exclude<keyof P2PConfig, 'home' | 'testFuzzConfig'>
  readonly kind: FieldKind
}

/** The full TOML key of a field, e.g. `p2p.send_rate`, as reported in `ConfigError.key`. */
export function tomlKey(spec: Pick<FieldSpec, 'table' | 'name'>): string {
  return spec.table === '' ? spec.name : `${spec.table}.${spec.name}`
}

/** Every key read from config.toml, in Go's struct order. */
export const FIELDS: readonly FieldSpec[] = [
  { table: '', name: 'moniker', field: 'moniker', kind: 'string' },
  { table: '', name: 'node_key_file', field: 'nodeKeyFile', kind: 'path' },
  { table: '', name: 'filter_peers', field: 'filterPeers', kind: 'boolean' },
  { table: 'rpc', name: 'laddr', field: 'rpcListenAddress', kind: 'string' },
  { table: 'p2p', name: 'laddr', field: 'listenAddress', kind: 'string' },
  { table: 'p2p', name: 'external_address', field: 'externalAddress', kind: 'string' },
  { table: 'p2p', name: 'seeds', field: 'seeds', kind: 'list' },
  { table: 'p2p', name: 'persistent_peers', field: 'persistentPeers', kind: 'list' },
  { table: 'p2p', name: 'upnp', field: 'upnp', kind: 'boolean' },
  { table: 'p2p', name: 'addr_book_file', field: 'addrBookFile', kind: 'path' },
  { table: 'p2p', name: 'addr_book_strict', field: 'addrBookStrict', kind: 'boolean' },
  { table: 'p2p', name: 'max_num_inbound_peers', field: 'maxNumInboundPeers', kind: 'integer' },
  { table: 'p2p', name: 'max_num_outbound_peers', field: 'maxNumOutboundPeers', kind: 'integer' },
  { table: 'p2p', name: 'unconditional_peer_ids', field: 'unconditionalPeerIds', kind: 'list' },
  {
    table: 'p2p',
    name: 'persistent_peers_max_dial_period',
    field: 'persistentPeersMaxDialPeriodMs',
    kind: 'duration'
  },
  { table: 'p2p', name: 'flush_throttle_timeout', field: 'flushThrottleTimeoutMs', kind: 'duration' },
  { table: 'p2p', name: 'max_packet_msg_payload_size', field: 'maxPacketMsgPayloadSize', kind: 'integer' },
  { table: 'p2p', name: 'send_rate', field: 'sendRate', kind: 'integer' },
  { table: 'p2p', name: 'recv_rate', field: 'recvRate', kind: 'integer' },
  { table: 'p2p', name: 'pex', field: 'pexReactor', kind: 'boolean' },
  { table: 'p2p', name: 'seed_mode', field: 'seedMode', kind: 'boolean' },
  { table: 'p2p', name: 'private_peer_ids', field: 'privatePeerIds', kind: 'list' },
  { table: 'p2p', name: 'allow_duplicate_ip', field: 'allowDuplicateIp', kind: 'boolean' },
  { table: 'p2p', name: 'handshake_timeout', field: 'handshakeTimeoutMs', kind: 'duration' },
  { table: 'p2p', name: 'dial_timeout', field: 'dialTimeoutMs', kind: 'duration' },
  { table: 'p2p', name: 'test_dial_fail', field: 'testDialFail', kind: 'boolean' },
  { table: 'p2p', name: 'test_fuzz', field: 'testFuzz', kind: 'boolean' }
]

/**
 * Keys of `[p2p.test_fuzz_config]`. Go's struct has no `mapstructure` tags there, so viper
 * matches the Go field names case-insensitively (`MaxDelay`, `maxdelay`, ...).
 */
export const FUZZ_FIELDS = [
  { name: 'Mode', field: 'mode', kind: 'integer' },
  { name: 'MaxDelay', field: 'maxDelayMs', kind: 'duration' },
  { name: 'ProbDropRW', field: 'probDropRW', kind: 'float' },
  { name: 'ProbDropConn', field: 'probDropConn', kind: 'float' },
  { name: 'ProbSleep', field: 'probSleep', kind: 'float' }
] as const
