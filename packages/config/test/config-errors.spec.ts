import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '@p2p/types'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  defaultP2PConfig,
  loadConfig,
  MAX_CONFIG_FILE_BYTES,
  type P2PConfig,
  parseConfig,
  validateP2PConfig
} from '../src/index.js'

const ID = '0123456789abcdef0123456789abcdef01234567'

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a ConfigError, nothing was thrown')
}

function expectConfigError(err: unknown, key: string, message: string | RegExp): void {
  expect(err).toBeInstanceOf(ConfigError)
  const e = err as ConfigError
  expect(e.name).toBe('ConfigError')
  expect(e.code).toBe('INVALID_CONFIG')
  expect(e.key).toBe(key)
  if (typeof message === 'string') expect(e.message).toBe(message)
  else expect(e.message).toMatch(message)
}

/** [what, document, expected key, expected message]. */
const DOCUMENT_CASES: ReadonlyArray<readonly [string, string, string, string | RegExp]> = [
  // Malformed TOML
  ['value missing', 'a = \n', '', /^config: malformed TOML at line 1, column 5: /],
  ['duplicate key', '[p2p]\nladdr = "a"\nladdr = "b"\n', '', /malformed TOML at line 3/],
  ['unterminated string', 'moniker = "abc\n', '', /malformed TOML/],
  ['bare junk', '{{{', '', /malformed TOML/],
  // Tables of the wrong type
  ['p2p not a table', 'p2p = "x"\n', 'p2p', 'p2p must be a table, got string "x"'],
  ['p2p an array of tables', '[[p2p]]\nladdr = "x"\n', 'p2p', 'p2p must be a table, got array'],
  ['rpc not a table', 'rpc = 5\n', 'rpc', 'rpc must be a table, got integer 5'],
  ['test_fuzz_config not a table', '[p2p]\ntest_fuzz_config = 1\n', 'p2p.test_fuzz_config', /must be a table/],
  // Keys set twice with different case (viper lower-cases keys)
  ['same key twice by case', '[p2p]\nladdr = "tcp://1.2.3.4:1"\nLADDR = "tcp://1.2.3.4:2"\n', 'p2p.laddr', /set twice/],
  ['same table twice by case', '[p2p]\n[P2P]\n', 'p2p', /set twice/],
  // Wrong value types
  ['moniker integer', 'moniker = 5\n', 'moniker', 'moniker must be a string, got integer 5'],
  ['filter_peers string', 'filter_peers = "true"\n', 'filter_peers', 'filter_peers must be a boolean, got string "true"'],
  ['node_key_file integer', 'node_key_file = 1\n', 'node_key_file', 'node_key_file must be a string, got integer 1'],
  ['node_key_file empty', 'node_key_file = ""\n', 'node_key_file', 'node_key_file must not be empty'],
  ['addr_book_file empty', '[p2p]\naddr_book_file = ""\n', 'p2p.addr_book_file', 'p2p.addr_book_file must not be empty'],
  ['rpc.laddr boolean', '[rpc]\nladdr = true\n', 'rpc.laddr', 'rpc.laddr must be a string, got boolean true'],
  ['laddr integer', '[p2p]\nladdr = 26656\n', 'p2p.laddr', 'p2p.laddr must be a string, got integer 26656'],
  ['upnp integer', '[p2p]\nupnp = 1\n', 'p2p.upnp', 'p2p.upnp must be a boolean, got integer 1'],
  ['pex string', '[p2p]\npex = "false"\n', 'p2p.pex', 'p2p.pex must be a boolean, got string "false"'],
  ['inbound as string', '[p2p]\nmax_num_inbound_peers = "40"\n', 'p2p.max_num_inbound_peers', /must be an integer, got string "40"/],
  ['inbound as float', '[p2p]\nmax_num_inbound_peers = 40.0\n', 'p2p.max_num_inbound_peers', /must be an integer, got float 40/],
  ['outbound fractional', '[p2p]\nmax_num_outbound_peers = 1.5\n', 'p2p.max_num_outbound_peers', /must be an integer, got float 1.5/],
  ['payload as boolean', '[p2p]\nmax_packet_msg_payload_size = true\n', 'p2p.max_packet_msg_payload_size', /must be an integer/],
  ['rate NaN', '[p2p]\nsend_rate = nan\n', 'p2p.send_rate', /must be an integer, got float NaN/],
  ['rate inf', '[p2p]\nrecv_rate = inf\n', 'p2p.recv_rate', /must be an integer, got float Infinity/],
  ['rate out of range', '[p2p]\nsend_rate = 9223372036854775807\n', 'p2p.send_rate', /out of range/],
  ['rate just past 2^53', '[p2p]\nrecv_rate = 9007199254740992\n', 'p2p.recv_rate', /out of range/],
  ['huge negative rate', '[p2p]\nrecv_rate = -99999999999999999999\n', 'p2p.recv_rate', "recv_rate can't be negative"],
  // Durations
  [
    'duration as integer',
    '[p2p]\nflush_throttle_timeout = 100\n',
    'p2p.flush_throttle_timeout',
    'p2p.flush_throttle_timeout must be a Go duration string such as "100ms" or "10s", got integer 100 (Go would read a bare integer as nanoseconds)'
  ],
  ['duration as float', '[p2p]\ndial_timeout = 1.5\n', 'p2p.dial_timeout', /must be a Go duration string .* got float 1.5$/],
  ['duration as datetime', '[p2p]\ndial_timeout = 1979-05-27T07:32:00Z\n', 'p2p.dial_timeout', /got datetime/],
  [
    'duration without unit',
    '[p2p]\nflush_throttle_timeout = "100"\n',
    'p2p.flush_throttle_timeout',
    'p2p.flush_throttle_timeout: time: missing unit in duration "100"'
  ],
  ['duration garbage', '[p2p]\nhandshake_timeout = "abc"\n', 'p2p.handshake_timeout', 'p2p.handshake_timeout: time: invalid duration "abc"'],
  ['duration empty', '[p2p]\nhandshake_timeout = ""\n', 'p2p.handshake_timeout', 'p2p.handshake_timeout: time: invalid duration ""'],
  [
    'duration unknown unit',
    '[p2p]\npersistent_peers_max_dial_period = "1d"\n',
    'p2p.persistent_peers_max_dial_period',
    'p2p.persistent_peers_max_dial_period: time: unknown unit "d" in duration "1d"'
  ],
  ['duration overflow', '[p2p]\ndial_timeout = "3000000h"\n', 'p2p.dial_timeout', /invalid duration "3000000h"/],
  ['fuzz MaxDelay integer', '[p2p.test_fuzz_config]\nMaxDelay = 5\n', 'p2p.test_fuzz_config.MaxDelay', /Go duration string/],
  ['fuzz MaxDelay bad', '[p2p.test_fuzz_config]\nmaxdelay = "x"\n', 'p2p.test_fuzz_config.MaxDelay', /invalid duration "x"/],
  ['fuzz prob string', '[p2p.test_fuzz_config]\nProbDropRW = "0.5"\n', 'p2p.test_fuzz_config.ProbDropRW', /must be a number/],
  ['fuzz prob NaN', '[p2p.test_fuzz_config]\nProbSleep = nan\n', 'p2p.test_fuzz_config.ProbSleep', /finite number/],
  ['fuzz mode float', '[p2p.test_fuzz_config]\nMode = 0.5\n', 'p2p.test_fuzz_config.Mode', /must be an integer/],
  ['fuzz mode huge negative', '[p2p.test_fuzz_config]\nMode = -9007199254740993\n', 'p2p.test_fuzz_config.Mode', /out of range/],
  // Lists
  ['list integer', '[p2p]\nseeds = 5\n', 'p2p.seeds', 'p2p.seeds must be a comma-separated string, got integer 5'],
  ['list table', '[p2p]\nseeds = { a = 1 }\n', 'p2p.seeds', 'p2p.seeds must be a comma-separated string, got table'],
  ['list entry integer', '[p2p]\npersistent_peers = [1]\n', 'p2p.persistent_peers', 'p2p.persistent_peers[0] must be a string, got integer 1'],
  ['list entry array', `[p2p]\nprivate_peer_ids = ["${ID}", ["x"]]\n`, 'p2p.private_peer_ids', 'p2p.private_peer_ids[1] must be a string, got array'],
  ['list entry boolean', '[p2p]\nunconditional_peer_ids = [true]\n', 'p2p.unconditional_peer_ids', /\[0\] must be a string, got boolean true/],
  // Go's ValidateBasic, with Go's messages
  ['negative inbound', '[p2p]\nmax_num_inbound_peers = -1\n', 'p2p.max_num_inbound_peers', "max_num_inbound_peers can't be negative"],
  ['negative outbound', '[p2p]\nmax_num_outbound_peers = -1\n', 'p2p.max_num_outbound_peers', "max_num_outbound_peers can't be negative"],
  ['negative flush', '[p2p]\nflush_throttle_timeout = "-1ms"\n', 'p2p.flush_throttle_timeout', "flush_throttle_timeout can't be negative"],
  [
    'negative max dial period',
    '[p2p]\npersistent_peers_max_dial_period = "-1ns"\n',
    'p2p.persistent_peers_max_dial_period',
    "persistent_peers_max_dial_period can't be negative"
  ],
  ['negative payload', '[p2p]\nmax_packet_msg_payload_size = -1024\n', 'p2p.max_packet_msg_payload_size', "max_packet_msg_payload_size can't be negative"],
  ['negative send rate', '[p2p]\nsend_rate = -1\n', 'p2p.send_rate', "send_rate can't be negative"],
  ['negative recv rate', '[p2p]\nrecv_rate = -5120000\n', 'p2p.recv_rate', "recv_rate can't be negative"],
  ['negative handshake timeout', '[p2p]\nhandshake_timeout = "-20s"\n', 'p2p.handshake_timeout', "handshake_timeout can't be negative"],
  ['negative dial timeout', '[p2p]\ndial_timeout = "-3s"\n', 'p2p.dial_timeout', "dial_timeout can't be negative"],
  [
    'first negative in Go order wins',
    '[p2p]\nrecv_rate = -1\nsend_rate = -1\nmax_num_inbound_peers = -1\n',
    'p2p.max_num_inbound_peers',
    "max_num_inbound_peers can't be negative"
  ],
  // Addresses (checked by Go when the node starts)
  ['laddr port too big', '[p2p]\nladdr = "tcp://0.0.0.0:65536"\n', 'p2p.laddr', /^p2p.laddr is incorrect: invalid address \(65536\): .*value out of range$/],
  ['laddr port negative', '[p2p]\nladdr = "tcp://0.0.0.0:-1"\n', 'p2p.laddr', /invalid syntax/],
  ['laddr port empty', '[p2p]\nladdr = "tcp://0.0.0.0:"\n', 'p2p.laddr', /invalid syntax/],
  ['laddr no port', '[p2p]\nladdr = "tcp://0.0.0.0"\n', 'p2p.laddr', 'p2p.laddr is incorrect: invalid address (0.0.0.0): address 0.0.0.0: missing port in address'],
  ['laddr no host', '[p2p]\nladdr = "tcp://:26656"\n', 'p2p.laddr', /host is empty/],
  ['laddr bare IPv6', '[p2p]\nladdr = "tcp://::1:26656"\n', 'p2p.laddr', /too many colons in address/],
  ['laddr unclosed bracket', '[p2p]\nladdr = "tcp://[::1:26656"\n', 'p2p.laddr', /missing '\]' in address/],
  ['laddr with ID', `[p2p]\nladdr = "${ID}@1.2.3.4:26656"\n`, 'p2p.laddr', /must not contain an ID/],
  ['external_address no port', '[p2p]\nexternal_address = "203.0.113.1"\n', 'p2p.external_address', /missing port in address/],
  ['external_address port range', '[p2p]\nexternal_address = "203.0.113.1:70000"\n', 'p2p.external_address', /value out of range/],
  ['seed without ID', '[p2p]\nseeds = "1.2.3.4:26656"\n', 'p2p.seeds', 'p2p.seeds[0]: address (1.2.3.4:26656) does not contain ID'],
  ['seed with short ID', '[p2p]\nseeds = "abc@1.2.3.4:26656"\n', 'p2p.seeds', /invalid address \(abc@1.2.3.4:26656\): encoding\/hex: odd length hex string/],
  ['seed with bad port', `[p2p]\nseeds = "${ID}@1.2.3.4:26656,${ID}@1.2.3.4:x"\n`, 'p2p.seeds', /^p2p.seeds\[1\]: invalid address \(x\)/],
  ['persistent peer no port', `[p2p]\npersistent_peers = "${ID}@host"\n`, 'p2p.persistent_peers', /missing port in address/],
  ['persistent peer no host', `[p2p]\npersistent_peers = "${ID}@:26656"\n`, 'p2p.persistent_peers', /host is empty/],
  ['persistent peer two @', `[p2p]\npersistent_peers = "${ID}@a@b:1"\n`, 'p2p.persistent_peers', /does not contain ID/],
  [
    'unconditional ID not hex',
    '[p2p]\nunconditional_peer_ids = "xyz"\n',
    'p2p.unconditional_peer_ids',
    /^p2p.unconditional_peer_ids: wrong ID #0: encoding\/hex: invalid byte/
  ],
  ['private ID short', '[p2p]\nprivate_peer_ids = "abcd"\n', 'p2p.private_peer_ids', /wrong ID #0: invalid hex length - got 2, expected 20/]
]

describe('parseConfig: every bad value is a ConfigError keyed by its TOML key', () => {
  it.each(DOCUMENT_CASES)('%s', (_what, text, key, message) => {
    expectConfigError(
      caught(() => parseConfig(text)),
      key,
      message
    )
  })

  it('names the source in a TOML syntax error', () => {
    expectConfigError(
      caught(() => parseConfig('a = ', { source: 'my.toml' })),
      'my.toml',
      /^my.toml: malformed TOML at line 1/
    )
  })

  it('refuses a document larger than a config file may be', () => {
    expectConfigError(
      caught(() => parseConfig(' '.repeat(MAX_CONFIG_FILE_BYTES + 1), { source: 's' })),
      's',
      /more than/
    )
  })

  it('refuses a non-string document', () => {
    expectConfigError(
      caught(() => parseConfig(5 as unknown as string)),
      '',
      /must be TOML text/
    )
  })
})

/** [what, change to the defaults, expected key, expected message]. */
const OBJECT_CASES: ReadonlyArray<readonly [string, (c: Record<string, unknown>) => void, string, string | RegExp]> = [
  ['home not a string', (c) => { c.home = 5 }, 'home', /home must be a string/],
  ['missing field', (c) => { delete c.sendRate }, 'p2p.send_rate', 'p2p.send_rate must be an integer, got undefined undefined'],
  ['fractional rate', (c) => { c.recvRate = 1.5 }, 'p2p.recv_rate', /must be an integer/],
  ['unsafe rate', (c) => { c.sendRate = 2 ** 60 }, 'p2p.send_rate', /out of range/],
  ['NaN duration', (c) => { c.flushThrottleTimeoutMs = Number.NaN }, 'p2p.flush_throttle_timeout', /finite number of milliseconds/],
  ['infinite duration', (c) => { c.dialTimeoutMs = Number.POSITIVE_INFINITY }, 'p2p.dial_timeout', /finite/],
  ['duration beyond int64 ns', (c) => { c.handshakeTimeoutMs = 1e13 }, 'p2p.handshake_timeout', /out of range/],
  ['negative duration', (c) => { c.persistentPeersMaxDialPeriodMs = -0.5 }, 'p2p.persistent_peers_max_dial_period', "persistent_peers_max_dial_period can't be negative"],
  ['list as string', (c) => { c.seeds = 'a,b' }, 'p2p.seeds', /must be an array of strings, got string/],
  ['list entry number', (c) => { c.privatePeerIds = [5] }, 'p2p.private_peer_ids', 'p2p.private_peer_ids[0] must be a string, got number'],
  ['list entry blank', (c) => { c.unconditionalPeerIds = [' '] }, 'p2p.unconditional_peer_ids', 'p2p.unconditional_peer_ids[0] is empty'],
  ['boolean as string', (c) => { c.seedMode = 'yes' }, 'p2p.seed_mode', /must be a boolean/],
  ['empty path', (c) => { c.nodeKeyFile = '' }, 'node_key_file', 'node_key_file must not be empty'],
  ['fuzz config null', (c) => { c.testFuzzConfig = null }, 'p2p.test_fuzz_config', /must be a table, got null/],
  ['fuzz probability NaN', (c) => { (c.testFuzzConfig as Record<string, unknown>).probDropRW = Number.NaN }, 'p2p.test_fuzz_config.ProbDropRW', /finite number/],
  ['fuzz delay string', (c) => { (c.testFuzzConfig as Record<string, unknown>).maxDelayMs = '1s' }, 'p2p.test_fuzz_config.MaxDelay', /finite number of milliseconds/]
]

describe('validateP2PConfig: configs built in code', () => {
  it.each(OBJECT_CASES)('%s', (_what, change, key, message) => {
    const cfg = defaultP2PConfig() as unknown as Record<string, unknown>
    change(cfg)
    expectConfigError(
      caught(() => validateP2PConfig(cfg as unknown as P2PConfig)),
      key,
      message
    )
  })

  it('refuses a non-object', () => {
    expectConfigError(
      caught(() => validateP2PConfig(null as unknown as P2PConfig)),
      '',
      /must be an object/
    )
  })

  it('accepts good addresses of every form', () => {
    const cfg = defaultP2PConfig()
    cfg.listenAddress = 'tcp://[::]:0'
    cfg.externalAddress = 'example.org:65535'
    cfg.seeds = [`${ID}@[2001:db8::1]:26656`, `tcp://${ID.toUpperCase()}@seed.example:1`]
    cfg.persistentPeers = [`${ID}@10.0.0.1:26656`]
    cfg.unconditionalPeerIds = [ID]
    expect(() => validateP2PConfig(cfg)).not.toThrow()
    cfg.listenAddress = ''
    expect(() => validateP2PConfig(cfg)).not.toThrow()
  })
})

describe('loadConfig errors are keyed by the file path', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-config-err-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('missing file', async () => {
    const path = join(dir, 'nope.toml')
    const err = await loadConfig(path).catch((e: unknown) => e)
    expectConfigError(err, path, /^cannot read config file .*ENOENT/)
    expect((err as ConfigError).cause).toMatchObject({ code: 'ENOENT' })
  })

  it('a directory', async () => {
    const path = join(dir, 'adir')
    await mkdir(path)
    expectConfigError(await loadConfig(path).catch((e: unknown) => e), path, /cannot read config file/)
  })

  it('malformed TOML', async () => {
    const path = join(dir, 'bad.toml')
    await writeFile(path, '[p2p]\nladdr = \n')
    expectConfigError(await loadConfig(path).catch((e: unknown) => e), path, /malformed TOML at line 2/)
  })

  it('not UTF-8', async () => {
    const path = join(dir, 'latin1.toml')
    await writeFile(path, Buffer.from([0x6d, 0x6f, 0x6e, 0x69, 0x6b, 0x65, 0x72, 0x3d, 0x22, 0xe9, 0x22, 0x0a]))
    expectConfigError(await loadConfig(path).catch((e: unknown) => e), path, /not valid UTF-8/)
  })

  it('too large', async () => {
    const path = join(dir, 'huge.toml')
    await writeFile(path, Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1, 0x20))
    expectConfigError(await loadConfig(path).catch((e: unknown) => e), path, /more than/)
  })

  it('a bad value still names its TOML key', async () => {
    const path = join(dir, 'neg.toml')
    await writeFile(path, '[p2p]\nsend_rate = -1\n')
    expectConfigError(await loadConfig(path).catch((e: unknown) => e), 'p2p.send_rate', "send_rate can't be negative")
  })
})

describe('fuzz: parseConfig throws nothing but ConfigError', () => {
  const KEYS = [
    'laddr', 'external_address', 'seeds', 'persistent_peers', 'upnp', 'addr_book_file', 'addr_book_strict',
    'max_num_inbound_peers', 'max_num_outbound_peers', 'unconditional_peer_ids', 'persistent_peers_max_dial_period',
    'flush_throttle_timeout', 'max_packet_msg_payload_size', 'send_rate', 'recv_rate', 'pex', 'seed_mode',
    'private_peer_ids', 'allow_duplicate_ip', 'handshake_timeout', 'dial_timeout', 'test_dial_fail', 'test_fuzz'
  ]
  const tomlValue = fc.oneof(
    fc.string().map((s) => JSON.stringify(s)),
    fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map(String),
    fc.double().map((d) => (Number.isNaN(d) ? 'nan' : Number.isFinite(d) ? d.toExponential() : d > 0 ? 'inf' : '-inf')),
    fc.boolean().map(String),
    fc.array(fc.string().map((s) => JSON.stringify(s)), { maxLength: 3 }).map((a) => `[${a.join(', ')}]`),
    fc.constantFrom('[1, 2]', '{ a = 1 }', '1979-05-27T07:32:00Z', '"10s"', '"-1s"', `"${ID}@1.2.3.4:26656"`)
  )

  function onlyConfigError(text: string): boolean {
    try {
      parseConfig(text)
      return true
    } catch (err) {
      return err instanceof ConfigError && typeof err.key === 'string'
    }
  }

  it('for random values of every [p2p] key', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...KEYS), tomlValue), { maxLength: 6 }), (pairs) => {
        const seen = new Set<string>()
        const lines = pairs.filter(([k]) => !seen.has(k) && seen.add(k)).map(([k, v]) => `${k} = ${v}`)
        return onlyConfigError(`[p2p]\n${lines.join('\n')}\n`)
      }),
      { numRuns: 500 }
    )
  })

  it('for arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), onlyConfigError), { numRuns: 300 })
  })
})
