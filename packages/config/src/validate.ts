import { ConfigError, nodeIdProblem } from '@p2p/types'
import { hostPortProblem, peerAddressProblem } from './address-syntax.js'
import { MAX_GO_DURATION_NS } from './duration.js'
import { FIELDS, FUZZ_FIELDS, type FieldSpec, tomlKey } from './fields.js'
import type { P2PConfig } from './p2p-config.js'

const MAX_DURATION_MS = Number(MAX_GO_DURATION_NS) / 1e6

/** Go's `P2PConfig.ValidateBasic`, in Go's order: each of these must not be negative. */
const NON_NEGATIVE = [
  'max_num_inbound_peers',
  'max_num_outbound_peers',
  'flush_throttle_timeout',
  'persistent_peers_max_dial_period',
  'max_packet_msg_payload_size',
  'send_rate',
  'recv_rate',
  // Not checked by Go, whose transport ignores both; ours may honour them.
  'handshake_timeout',
  'dial_timeout'
] as const

function spec(name: string): FieldSpec {
  const found = FIELDS.find((f) => f.table === 'p2p' && f.name === name)
  if (found === undefined) throw new ConfigError(`p2p.${name}`, `unknown p2p key ${name}`)
  return found
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  return typeof value
}

/** Throws when `value` does not have the JS type a field of `kind` holds. */
function checkType(key: string, kind: FieldSpec['kind'] | 'float', value: unknown): void {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw new ConfigError(key, `${key} must be a string, got ${describe(value)}`)
      return
    case 'path':
      if (typeof value !== 'string') throw new ConfigError(key, `${key} must be a string, got ${describe(value)}`)
      if (value === '') throw new ConfigError(key, `${key} must not be empty`)
      return
    case 'boolean':
      if (typeof value !== 'boolean') throw new ConfigError(key, `${key} must be a boolean, got ${describe(value)}`)
      return
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new ConfigError(key, `${key} must be an integer, got ${describe(value)} ${String(value)}`)
      }
      if (!Number.isSafeInteger(value)) {
        throw new ConfigError(key, `${key} is out of range (${value} is not a safe integer)`)
      }
      return
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ConfigError(key, `${key} must be a finite number, got ${describe(value)} ${String(value)}`)
      }
      return
    case 'duration':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ConfigError(key, `${key} must be a finite number of milliseconds, got ${describe(value)}`)
      }
      if (Math.abs(value) > MAX_DURATION_MS) {
        throw new ConfigError(key, `${key} is out of range (${value} ms does not fit Go's int64 nanoseconds)`)
      }
      return
    case 'list':
      if (!Array.isArray(value)) throw new ConfigError(key, `${key} must be an array of strings, got ${describe(value)}`)
      value.forEach((entry: unknown, i) => {
        if (typeof entry !== 'string') {
          throw new ConfigError(key, `${key}[${i}] must be a string, got ${describe(entry)}`)
        }
        if (entry.trim() === '') throw new ConfigError(key, `${key}[${i}] is empty`)
      })
      return
  }
}

/**
 * Checks a {@link P2PConfig}, whether read from a file or built in code: every field has its
 * type, Go's `ValidateBasic` rules hold (same order and message, `<key> can't be negative`),
 * numbers are safe integers, durations fit Go's int64 nanoseconds, addresses are well formed
 * (`laddr` and `external_address` as `[scheme://]host:port`, `seeds` and `persistent_peers` as
 * `id@host:port`, without DNS), and the ID lists hold node IDs.
 *
 * Go checks the address and ID lists only when the node starts; doing it here fails earlier
 * with the same outcome.
 *
 * @throws {@link @p2p/types!ConfigError | ConfigError} whose `key` is the config.toml key of the first bad field
 */
export function validateP2PConfig(cfg: P2PConfig): void {
  if (typeof cfg !== 'object' || cfg === null) {
    throw new ConfigError('', `config must be an object, got ${describe(cfg)}`)
  }
  if (typeof cfg.home !== 'string') throw new ConfigError('home', `home must be a string, got ${describe(cfg.home)}`)
  for (const f of FIELDS) checkType(tomlKey(f), f.kind, cfg[f.field])

  const fuzz: unknown = cfg.testFuzzConfig
  if (typeof fuzz !== 'object' || fuzz === null || Array.isArray(fuzz)) {
    throw new ConfigError('p2p.test_fuzz_config', `p2p.test_fuzz_config must be a table, got ${describe(fuzz)}`)
  }
  for (const f of FUZZ_FIELDS) {
    checkType(`p2p.test_fuzz_config.${f.name}`, f.kind, (fuzz as Record<string, unknown>)[f.field])
  }

  for (const name of NON_NEGATIVE) {
    const value = cfg[spec(name).field] as number
    if (value < 0) throw new ConfigError(`p2p.${name}`, `${name} can't be negative`)
  }

  if (cfg.listenAddress !== '') {
    const problem = hostPortProblem(cfg.listenAddress)
    if (problem !== undefined) throw new ConfigError('p2p.laddr', `p2p.laddr is incorrect: ${problem}`)
  }
  if (cfg.externalAddress !== '') {
    const problem = hostPortProblem(cfg.externalAddress)
    if (problem !== undefined) {
      throw new ConfigError('p2p.external_address', `p2p.external_address is incorrect: ${problem}`)
    }
  }
  const addressLists = [
    ['p2p.seeds', cfg.seeds],
    ['p2p.persistent_peers', cfg.persistentPeers]
  ] as const
  for (const [key, list] of addressLists) {
    list.forEach((addr, i) => {
      const problem = peerAddressProblem(addr)
      if (problem !== undefined) throw new ConfigError(key, `${key}[${i}]: ${problem}`)
    })
  }
  const idLists = [
    ['p2p.unconditional_peer_ids', cfg.unconditionalPeerIds],
    ['p2p.private_peer_ids', cfg.privatePeerIds]
  ] as const
  for (const [key, list] of idLists) {
    list.forEach((id, i) => {
      const problem = nodeIdProblem(id)
      if (problem !== undefined) throw new ConfigError(key, `${key}: wrong ID #${i}: ${problem}`)
    })
  }
}
