import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type P2PConfig, defaultP2PConfig, testP2PConfig, validateP2PConfig } from '../src/index.js'

/**
 * Go field → toml key → our field → Go's default, from facts.md section 9 and Go v0.34.35
 * `config/config.go` (`DefaultP2PConfig`, `DefaultBaseConfig`, `DefaultRPCConfig`).
 * Durations are Go's default converted to milliseconds; lists are Go's "" split by commas.
 */
const GO_DEFAULTS: ReadonlyArray<readonly [goField: string, tomlKey: string, field: keyof P2PConfig, expected: unknown]> = [
  ['BaseConfig.RootDir', 'home', 'home', ''],
  ['BaseConfig.Moniker', 'moniker', 'moniker', hostname() || 'anonymous'],
  ['RPCConfig.ListenAddress', 'rpc.laddr', 'rpcListenAddress', 'tcp://127.0.0.1:26657'],
  ['BaseConfig.FilterPeers', 'filter_peers', 'filterPeers', false],
  ['BaseConfig.NodeKeyFile()', 'node_key_file', 'nodeKeyFile', join('config', 'node_key.json')],
  ['ListenAddress', 'p2p.laddr', 'listenAddress', 'tcp://0.0.0.0:26656'],
  ['ExternalAddress', 'p2p.external_address', 'externalAddress', ''],
  ['Seeds', 'p2p.seeds', 'seeds', []],
  ['PersistentPeers', 'p2p.persistent_peers', 'persistentPeers', []],
  ['UPNP', 'p2p.upnp', 'upnp', false],
  ['AddrBookFile()', 'p2p.addr_book_file', 'addrBookFile', join('config', 'addrbook.json')],
  ['AddrBookStrict', 'p2p.addr_book_strict', 'addrBookStrict', true],
  ['MaxNumInboundPeers', 'p2p.max_num_inbound_peers', 'maxNumInboundPeers', 40],
  ['MaxNumOutboundPeers', 'p2p.max_num_outbound_peers', 'maxNumOutboundPeers', 10],
  ['UnconditionalPeerIDs', 'p2p.unconditional_peer_ids', 'unconditionalPeerIds', []],
  ['PersistentPeersMaxDialPeriod', 'p2p.persistent_peers_max_dial_period', 'persistentPeersMaxDialPeriodMs', 0],
  ['FlushThrottleTimeout', 'p2p.flush_throttle_timeout', 'flushThrottleTimeoutMs', 100],
  ['MaxPacketMsgPayloadSize', 'p2p.max_packet_msg_payload_size', 'maxPacketMsgPayloadSize', 1024],
  ['SendRate', 'p2p.send_rate', 'sendRate', 5_120_000],
  ['RecvRate', 'p2p.recv_rate', 'recvRate', 5_120_000],
  ['PexReactor', 'p2p.pex', 'pexReactor', true],
  ['SeedMode', 'p2p.seed_mode', 'seedMode', false],
  ['PrivatePeerIDs', 'p2p.private_peer_ids', 'privatePeerIds', []],
  ['AllowDuplicateIP', 'p2p.allow_duplicate_ip', 'allowDuplicateIp', false],
  ['HandshakeTimeout', 'p2p.handshake_timeout', 'handshakeTimeoutMs', 20_000],
  ['DialTimeout', 'p2p.dial_timeout', 'dialTimeoutMs', 3_000],
  ['TestDialFail', 'p2p.test_dial_fail', 'testDialFail', false],
  ['TestFuzz', 'p2p.test_fuzz', 'testFuzz', false],
  [
    'TestFuzzConfig',
    'p2p.test_fuzz_config',
    'testFuzzConfig',
    { mode: 0, maxDelayMs: 3_000, probDropRW: 0.2, probDropConn: 0, probSleep: 0 }
  ]
]

describe('defaultP2PConfig', () => {
  const cfg = defaultP2PConfig()

  it.each(GO_DEFAULTS)('%s (%s) defaults to Go value', (_go, _key, field, expected) => {
    expect(cfg[field]).toEqual(expected)
  })

  it('has exactly the fields of the table, no more', () => {
    expect(Object.keys(cfg).sort()).toEqual(GO_DEFAULTS.map((row) => row[2]).sort())
  })

  it('passes its own validation', () => {
    expect(() => validateP2PConfig(cfg)).not.toThrow()
    expect(() => validateP2PConfig(testP2PConfig())).not.toThrow()
  })

  it('resolves the file paths against home, as Go rootify does', () => {
    const home = join('/', 'srv', 'node')
    const withHome = defaultP2PConfig({ home })
    expect(withHome.home).toBe(home)
    expect(withHome.nodeKeyFile).toBe(join(home, 'config', 'node_key.json'))
    expect(withHome.addrBookFile).toBe(join(home, 'config', 'addrbook.json'))
  })

  it('returns a fresh object each call (mutating one does not change the next)', () => {
    const a = defaultP2PConfig()
    a.seeds.push('x')
    a.testFuzzConfig.mode = 1
    const b = defaultP2PConfig()
    expect(b.seeds).toEqual([])
    expect(b.testFuzzConfig.mode).toBe(0)
  })
})

describe('testP2PConfig', () => {
  it('differs from the defaults only where Go TestConfig does', () => {
    const def = defaultP2PConfig() as unknown as Record<string, unknown>
    const test = testP2PConfig() as unknown as Record<string, unknown>
    const diff = Object.keys(def).filter((k) => JSON.stringify(def[k]) !== JSON.stringify(test[k]))
    expect(diff.sort()).toEqual(['allowDuplicateIp', 'flushThrottleTimeoutMs', 'listenAddress', 'rpcListenAddress'])
    expect(test.listenAddress).toBe('tcp://127.0.0.1:36656')
    expect(test.flushThrottleTimeoutMs).toBe(10)
    expect(test.allowDuplicateIp).toBe(true)
    expect(test.rpcListenAddress).toBe('tcp://127.0.0.1:36657')
  })
})
