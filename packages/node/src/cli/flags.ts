import { homedir } from 'node:os'
import { join } from 'node:path'
import { type P2PConfig, parseGoDuration, splitList, validateP2PConfig } from '@p2p/config'
import { ConfigError } from '@p2p/types'
import { type Command, InvalidArgumentError, Option } from 'commander'
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from '../logger.js'

/** `$P2P_NODE_HOME`, else `$CMTHOME` (Go's variable), else `~/.p2p-node`. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.P2P_NODE_HOME ?? env.CMTHOME ?? join(homedir(), '.p2p-node')
}

export interface GlobalOptions {
  home: string
  logLevel: LogLevel
  logFormat: LogFormat | undefined
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('--home <dir>', 'node home directory (config/config.toml, config/node_key.json, config/addrbook.json)', defaultHome())
    .addOption(new Option('--log-level <level>', 'lowest log level written').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--log-format <format>', 'log lines as JSON or for people (default: pretty on a terminal, else json)').choices(LOG_FORMATS))
}

// ---- value parsers: a bad value is a usage error naming the flag ----

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('not a non-negative integer')
  const n = Number(value)
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('too large')
  return n
}

export function parsePositive(value: string): number {
  const n = parseCount(value)
  if (n === 0) throw new InvalidArgumentError('must be at least 1')
  return n
}

/** A Go duration (`500ms`, `2s`, `1m30s`) in milliseconds. */
export function parseDuration(value: string): number {
  try {
    return parseGoDuration(value)
  } catch {
    throw new InvalidArgumentError('not a duration such as 500ms, 2s or 1m30s')
  }
}

export function parseBool(value: string): boolean {
  if (value === 'true') return true
  if (value === 'false') return false
  throw new InvalidArgumentError('must be true or false')
}

/** Flags that set a config.toml key, and the key each one sets. */
const CONFIG_FLAGS = [
  { flag: '--moniker <name>', attr: 'moniker', key: 'moniker', field: 'moniker', help: 'node name sent to peers (config: moniker)' },
  { flag: '--laddr <addr>', attr: 'laddr', key: 'p2p.laddr', field: 'listenAddress', help: 'listen address, e.g. tcp://0.0.0.0:26656 (config: p2p.laddr)' },
  { flag: '--external-address <addr>', attr: 'externalAddress', key: 'p2p.external_address', field: 'externalAddress', help: 'address advertised to peers (config: p2p.external_address)' },
  { flag: '--seeds <list>', attr: 'seeds', key: 'p2p.seeds', field: 'seeds', help: 'comma-separated id@host:port seed nodes (config: p2p.seeds)' },
  { flag: '--persistent-peers <list>', attr: 'persistentPeers', key: 'p2p.persistent_peers', field: 'persistentPeers', help: 'comma-separated id@host:port peers kept connected (config: p2p.persistent_peers)' },
  { flag: '--max-inbound <n>', attr: 'maxInbound', key: 'p2p.max_num_inbound_peers', field: 'maxNumInboundPeers', help: 'inbound peer limit (config: p2p.max_num_inbound_peers)', parse: parseCount },
  { flag: '--max-outbound <n>', attr: 'maxOutbound', key: 'p2p.max_num_outbound_peers', field: 'maxNumOutboundPeers', help: 'outbound peer target (config: p2p.max_num_outbound_peers)', parse: parseCount },
  { flag: '--addr-book-strict <bool>', attr: 'addrBookStrict', key: 'p2p.addr_book_strict', field: 'addrBookStrict', help: 'refuse non-routable addresses; false on private networks (config: p2p.addr_book_strict)', parse: parseBool },
  { flag: '--allow-duplicate-ip <bool>', attr: 'allowDuplicateIp', key: 'p2p.allow_duplicate_ip', field: 'allowDuplicateIp', help: 'accept several peers from one IP (config: p2p.allow_duplicate_ip)', parse: parseBool },
  { flag: '--flush-throttle <duration>', attr: 'flushThrottle', key: 'p2p.flush_throttle_timeout', field: 'flushThrottleTimeoutMs', help: 'MConnection flush throttle (config: p2p.flush_throttle_timeout)', parse: parseDuration }
] as const

export function addConfigFlags(cmd: Command): Command {
  for (const f of CONFIG_FLAGS) {
    const opt = new Option(f.flag, f.help)
    if ('parse' in f) opt.argParser(f.parse as (v: string) => unknown)
    cmd.addOption(opt)
  }
  return cmd
}

/** What the flags set, and which flag set each key (to name it when the value is refused). */
export interface ConfigOverrides {
  readonly config: Partial<P2PConfig>
  readonly flagOf: ReadonlyMap<string, string>
}

export function configOverrides(opts: Record<string, unknown>): ConfigOverrides {
  const config: Record<string, unknown> = {}
  const flagOf = new Map<string, string>()
  for (const f of CONFIG_FLAGS) {
    const value = opts[f.attr]
    if (value === undefined) continue
    config[f.field] = f.field === 'seeds' || f.field === 'persistentPeers' ? splitList(String(value)) : value
    flagOf.set(f.key, f.flag.split(' ')[0] as string)
  }
  return { config: config as Partial<P2PConfig>, flagOf }
}

/**
 * `base` with the flags applied, checked as Go checks config.toml; a refused value set by a flag
 * names the flag rather than the config key.
 */
export function applyOverrides(base: P2PConfig, o: ConfigOverrides): P2PConfig {
  const merged = { ...base, ...o.config }
  try {
    validateP2PConfig(merged)
  } catch (err) {
    const flag = err instanceof ConfigError ? o.flagOf.get(err.key) : undefined
    if (flag !== undefined && err instanceof ConfigError) throw new ConfigError(flag, `${flag}: ${err.message}`, { cause: err })
    throw err
  }
  return merged
}

/** Periods that are not config.toml keys (Go hard-codes them), settable for tests and demos. */
export function addPeriodFlags(cmd: Command): Command {
  return cmd
    .option('--ensure-peers-period <duration>', 'how often PEX and the peer manager look for peers (default 30s)', parseDuration)
    .option('--addr-book-save-period <duration>', 'how often the address book is saved (default 2m)', parseDuration)
    .option('--status-period <duration>', 'how often a status line is logged; 0 for never', parseDuration, 60_000)
}
