import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type P2PConfig, defaultP2PConfig, loadConfig, parseConfig, splitList } from '../src/index.js'

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname
const HOME = join('/', 'home', 'node', '.cometbft')
const ID_A = '0123456789abcdef0123456789abcdef01234567'
const ID_B = '89abcdef0123456789abcdef0123456789abcdef'

/** Builds a document with one key set, in the table it belongs to. */
function doc(key: string, literal: string): string {
  const dot = key.indexOf('.')
  if (dot === -1) return `${key} = ${literal}\n`
  return `[${key.slice(0, dot)}]\n${key.slice(dot + 1)} = ${literal}\n`
}

/** Every key read from config.toml, a non-default value, and what it must become. */
const KEYS: ReadonlyArray<readonly [key: string, literal: string, field: keyof P2PConfig, expected: unknown]> = [
  ['moniker', '"my-node"', 'moniker', 'my-node'],
  ['filter_peers', 'true', 'filterPeers', true],
  ['node_key_file', '"keys/nk.json"', 'nodeKeyFile', join(HOME, 'keys', 'nk.json')],
  ['rpc.laddr', '"unix:///run/rpc.sock"', 'rpcListenAddress', 'unix:///run/rpc.sock'],
  ['p2p.laddr', '"tcp://127.0.0.1:1234"', 'listenAddress', 'tcp://127.0.0.1:1234'],
  ['p2p.external_address', '"198.51.100.1:26656"', 'externalAddress', '198.51.100.1:26656'],
  ['p2p.seeds', `"${ID_A}@1.2.3.4:26656"`, 'seeds', [`${ID_A}@1.2.3.4:26656`]],
  ['p2p.persistent_peers', `"${ID_B}@host.example:1"`, 'persistentPeers', [`${ID_B}@host.example:1`]],
  ['p2p.upnp', 'true', 'upnp', true],
  ['p2p.addr_book_file', '"/abs/book.json"', 'addrBookFile', '/abs/book.json'],
  ['p2p.addr_book_strict', 'false', 'addrBookStrict', false],
  ['p2p.max_num_inbound_peers', '7', 'maxNumInboundPeers', 7],
  ['p2p.max_num_outbound_peers', '8', 'maxNumOutboundPeers', 8],
  ['p2p.unconditional_peer_ids', `"${ID_A}"`, 'unconditionalPeerIds', [ID_A]],
  ['p2p.persistent_peers_max_dial_period', '"2m"', 'persistentPeersMaxDialPeriodMs', 120_000],
  ['p2p.flush_throttle_timeout', '"250us"', 'flushThrottleTimeoutMs', 0.25],
  ['p2p.max_packet_msg_payload_size', '2048', 'maxPacketMsgPayloadSize', 2048],
  ['p2p.send_rate', '1', 'sendRate', 1],
  ['p2p.recv_rate', '2', 'recvRate', 2],
  ['p2p.pex', 'false', 'pexReactor', false],
  ['p2p.seed_mode', 'true', 'seedMode', true],
  ['p2p.private_peer_ids', `"${ID_B}"`, 'privatePeerIds', [ID_B]],
  ['p2p.allow_duplicate_ip', 'true', 'allowDuplicateIp', true],
  ['p2p.handshake_timeout', '"1h"', 'handshakeTimeoutMs', 3_600_000],
  ['p2p.dial_timeout', '"0s"', 'dialTimeoutMs', 0],
  ['p2p.test_dial_fail', 'true', 'testDialFail', true],
  ['p2p.test_fuzz', 'true', 'testFuzz', true]
]

describe('parseConfig: each key', () => {
  it.each(KEYS)('%s = %s sets exactly its field', (key, literal, field, expected) => {
    const cfg = parseConfig(doc(key, literal), { home: HOME })
    const def = defaultP2PConfig({ home: HOME }) as unknown as Record<string, unknown>
    expect(cfg[field]).toEqual(expected)
    expect(def[field]).not.toEqual(expected)
    const changed = Object.keys(def).filter(
      (k) => JSON.stringify(def[k]) !== JSON.stringify((cfg as unknown as Record<string, unknown>)[k])
    )
    expect(changed).toEqual([field])
  })

  it.each(KEYS)('%s matches case-insensitively, as viper does', (key, literal, field, expected) => {
    const cfg = parseConfig(doc(key.toUpperCase(), literal), { home: HOME })
    expect(cfg[field]).toEqual(expected)
  })

  it('reads [p2p.test_fuzz_config] by Go field names, case-insensitively', () => {
    const cfg = parseConfig(
      '[p2p.test_fuzz_config]\nmode = 1\nMAXDELAY = "1s"\nProbDropRW = 1\nprobdropconn = 0.5\nProbSleep = 0.25\n'
    )
    expect(cfg.testFuzzConfig).toEqual({ mode: 1, maxDelayMs: 1000, probDropRW: 1, probDropConn: 0.5, probSleep: 0.25 })
  })
})

describe('parseConfig: documents', () => {
  it('reads the config.toml `cometbft init` writes into the defaults', async () => {
    const text = await readFile(fixture('config-default.toml'), 'utf8')
    expect(parseConfig(text, { home: HOME })).toEqual({ ...defaultP2PConfig({ home: HOME }), moniker: 'node-0' })
  })

  it('reads a config where every key differs from the default', async () => {
    const text = await readFile(fixture('config-custom.toml'), 'utf8')
    const expected: P2PConfig = {
      home: HOME,
      moniker: 'validator-eu-1',
      rpcListenAddress: 'tcp://0.0.0.0:26657',
      filterPeers: true,
      nodeKeyFile: join(HOME, 'secrets', 'node_key.json'),
      listenAddress: 'tcp://0.0.0.0:26666',
      externalAddress: '203.0.113.7:26666',
      seeds: [
        'f6a3a4bd1c3c71a34e3cc5a0bbaf3a5a6d67e22c@seed-1.example.org:26656',
        '4d5b6a1f2e3c4b5a69788796a5b4c3d2e1f00112@198.51.100.2:26656'
      ],
      persistentPeers: [`${ID_A}@192.0.2.10:26656`, `${ID_B}@[2001:db8::10]:26656`],
      upnp: true,
      addrBookFile: '/var/lib/cometbft/addrbook.json',
      addrBookStrict: false,
      maxNumInboundPeers: 120,
      maxNumOutboundPeers: 30,
      unconditionalPeerIds: [ID_A],
      persistentPeersMaxDialPeriodMs: 90_000,
      flushThrottleTimeoutMs: 10,
      maxPacketMsgPayloadSize: 10240,
      sendRate: 20_480_000,
      recvRate: 10_240_000,
      pexReactor: false,
      seedMode: true,
      privatePeerIds: [ID_B, ID_A],
      allowDuplicateIp: true,
      handshakeTimeoutMs: 1500,
      dialTimeoutMs: 300,
      testDialFail: true,
      testFuzz: true,
      testFuzzConfig: { mode: 1, maxDelayMs: 500, probDropRW: 0.5, probDropConn: 0.125, probSleep: 0 }
    }
    const cfg = parseConfig(text, { home: HOME })
    expect(cfg).toEqual(expected)
    // Every field of the defaults is changed by this fixture, so no key is silently dropped.
    const def = defaultP2PConfig({ home: HOME }) as unknown as Record<string, unknown>
    for (const k of Object.keys(def)) {
      if (k !== 'home') expect(cfg[k as keyof P2PConfig], k).not.toEqual(def[k])
    }
  })

  it('gives the defaults for an empty document or empty tables', () => {
    expect(parseConfig('')).toEqual(defaultP2PConfig())
    expect(parseConfig('[p2p]\n[rpc]\n')).toEqual(defaultP2PConfig())
  })

  it('ignores unknown keys and tables', () => {
    const cfg = parseConfig(
      'unknown = 1\n[p2p]\nno_such_key = "x"\nladdr_ = 5\n[p2p.nested]\na = 1\n[weird]\nladdr = 5\n[rpc]\nother = []\n'
    )
    expect(cfg).toEqual(defaultP2PConfig())
  })

  it('splits lists as Go splitAndTrimEmpty(s, ",", " ") does', () => {
    expect(splitList('')).toEqual([])
    expect(splitList(',')).toEqual([])
    expect(splitList(' a ,, b,   ,c ')).toEqual(['a', 'b', 'c'])
    // Only spaces are trimmed, as in Go; a tab stays part of the entry.
    expect(splitList('\ta ,b\t')).toEqual(['\ta', 'b\t'])
    expect(parseConfig(`[p2p]\nprivate_peer_ids = " ${ID_A} , , ${ID_B},"\n`).privatePeerIds).toEqual([ID_A, ID_B])
  })

  it('also takes a list as an array of strings', () => {
    const cfg = parseConfig(`[p2p]\nunconditional_peer_ids = ["${ID_A}", " ${ID_B} ,", ""]\n`)
    expect(cfg.unconditionalPeerIds).toEqual([ID_A, ID_B])
  })

  it('keeps absolute paths and resolves relative ones against home (Go rootify)', () => {
    const cfg = parseConfig('node_key_file = "/etc/nk.json"\n[p2p]\naddr_book_file = "data/../book.json"\n', {
      home: HOME
    })
    expect(cfg.nodeKeyFile).toBe('/etc/nk.json')
    expect(cfg.addrBookFile).toBe(join(HOME, 'book.json'))
    // With no home, paths stay relative to the working directory, as Go's DefaultConfig does.
    expect(parseConfig('').nodeKeyFile).toBe(join('config', 'node_key.json'))
  })
})

describe('loadConfig', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-config-'))
    await mkdir(join(dir, 'config'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('takes home as the parent of the directory holding the file, as Go lays it out', async () => {
    const path = join(dir, 'config', 'config.toml')
    await writeFile(path, await readFile(fixture('config-default.toml')))
    const cfg = await loadConfig(path)
    expect(cfg.home).toBe(dir)
    expect(cfg.nodeKeyFile).toBe(join(dir, 'config', 'node_key.json'))
    expect(cfg.addrBookFile).toBe(join(dir, 'config', 'addrbook.json'))
    expect(cfg.moniker).toBe('node-0')
  })

  it('uses the home it is given', async () => {
    const path = join(dir, 'config', 'custom.toml')
    await writeFile(path, await readFile(fixture('config-custom.toml')))
    const cfg = await loadConfig(path, { home: '/elsewhere' })
    expect(cfg.home).toBe('/elsewhere')
    expect(cfg.nodeKeyFile).toBe(join('/elsewhere', 'secrets', 'node_key.json'))
    expect(cfg.maxNumInboundPeers).toBe(120)
  })

  it('accepts a UTF-8 byte order mark', async () => {
    const path = join(dir, 'bom.toml')
    await writeFile(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('moniker = "bom"\n')]))
    expect((await loadConfig(path)).moniker).toBe('bom')
  })
})
