import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  checkNodeInfoCompatible,
  type HostResolver,
  MAX_NODE_INFO_SIZE,
  MAX_NUM_CHANNELS,
  NetAddressError,
  type NodeID,
  type NodeInfo,
  NodeInfoError,
  nodeInfoAddress,
  nodeInfoAddressLiteral,
  validateNodeInfo
} from '../src/index.js'

interface GoInfo {
  protocol_version: { p2p: number; block: number; app: number }
  id: string
  listen_addr?: string
  network: string
  version?: string
  channels: string
  moniker?: string
  other?: { tx_index: string; rpc_address: string }
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/node_info.json', import.meta.url), 'utf8')) as {
  full: Required<GoInfo>
  minimal: Required<GoInfo>
  max_node_info_size: number
  validate: { name: string; changed_field: Record<string, string> | null; valid: boolean; error: string | null }[]
  compatible_with: { name: string; ours: GoInfo; theirs: GoInfo; compatible: boolean; error: string | null }[]
}

/** `00..10` in the vectors means every byte from 0x00 to 0x10; otherwise plain hex. */
function channelBytes(text: string): Uint8Array {
  const range = /^([0-9a-f]{2})\.\.([0-9a-f]{2})$/.exec(text)
  if (range === null) return Uint8Array.from(Buffer.from(text, 'hex'))
  const from = Number.parseInt(range[1]!, 16)
  const to = Number.parseInt(range[2]!, 16)
  return Uint8Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

function toNodeInfo(g: GoInfo, base: Required<GoInfo> = vectors.full): NodeInfo {
  return {
    protocolVersion: {
      p2p: BigInt(g.protocol_version.p2p),
      block: BigInt(g.protocol_version.block),
      app: BigInt(g.protocol_version.app)
    },
    id: g.id as NodeID,
    listenAddr: g.listen_addr ?? base.listen_addr,
    network: g.network,
    version: g.version ?? base.version,
    channels: channelBytes(g.channels),
    moniker: g.moniker ?? base.moniker,
    other: { txIndex: (g.other ?? base.other).tx_index, rpcAddress: (g.other ?? base.other).rpc_address }
  }
}

const FIELD: Record<string, string> = {
  listen_addr: 'listenAddr',
  version: 'version',
  channels: 'channels',
  moniker: 'moniker',
  tx_index: 'txIndex',
  rpc_address: 'rpcAddress',
  network: 'network'
}

function withChange(info: NodeInfo, change: Record<string, string>): NodeInfo {
  const [key, value] = Object.entries(change)[0]!
  switch (key) {
    case 'channels':
      return { ...info, channels: channelBytes(value) }
    case 'tx_index':
      return { ...info, other: { ...info.other, txIndex: value } }
    case 'rpc_address':
      return { ...info, other: { ...info.other, rpcAddress: value } }
    default:
      expect(FIELD[key], `unknown field ${key}`).toBeDefined()
      return { ...info, [FIELD[key]!]: value }
  }
}

function thrown(fn: () => void): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

const full = toNodeInfo(vectors.full)
const ID = vectors.full.id

describe('validate vectors (Go DefaultNodeInfo.Validate)', () => {
  for (const row of vectors.validate) {
    it(row.name, () => {
      const info = row.changed_field === null ? full : withChange(full, row.changed_field)
      const err = thrown(() => validateNodeInfo(info))
      if (row.valid) {
        expect(err).toBeUndefined()
        return
      }
      expect(err).toBeInstanceOf(NodeInfoError)
      expect((err as NodeInfoError).message).toBe(row.error)
      expect((err as NodeInfoError).field).toBe(FIELD[Object.keys(row.changed_field!)[0]!])
    })
  }

  it('also accepts the minimal NodeInfo', () => {
    expect(thrown(() => validateNodeInfo(toNodeInfo(vectors.minimal, vectors.minimal)))).toBeUndefined()
  })

  it('exports Go limits', () => {
    expect(MAX_NODE_INFO_SIZE).toBe(vectors.max_node_info_size)
    expect(MAX_NUM_CHANNELS).toBe(16)
  })
})

describe('validateNodeInfo, listen address and ID', () => {
  const cases: [string, Partial<NodeInfo>, string, string][] = [
    ['an invalid ID', { id: 'abc' as NodeID }, 'id', 'invalid address (abc@127.0.0.1:26656): encoding/hex: odd length hex string'],
    ['an empty ID', { id: '' as NodeID }, 'id', 'invalid address (@127.0.0.1:26656): no ID'],
    ['an empty host', { listenAddr: 'tcp://:26656' }, 'listenAddr', 'invalid address (:26656): host is empty'],
    ['a bad port', { listenAddr: 'tcp://1.2.3.4:65536' }, 'listenAddr', 'invalid address (65536): strconv.ParseUint: parsing "65536": value out of range'],
    ['an @ in the listen address', { listenAddr: 'x@1.2.3.4:1' }, 'listenAddr', `address (${ID}@x@1.2.3.4:1) does not contain ID`],
    ['a host that is no DNS name', { listenAddr: 'tcp://1.2.3:26656' }, 'listenAddr', 'error looking up host (1.2.3): lookup 1.2.3: no such host'],
    ['a host with a space', { listenAddr: 'tcp://a b:26656' }, 'listenAddr', 'error looking up host (a b): lookup a b: no such host']
  ]
  it.each(cases)('rejects %s', (_name, change, field, message) => {
    const err = thrown(() => validateNodeInfo({ ...full, ...change })) as NodeInfoError
    expect(err).toBeInstanceOf(NodeInfoError)
    expect(err.field).toBe(field)
    expect(err.message).toBe(message)
  })

  it('accepts a syntactically valid host name without any DNS lookup, but still checks its port', () => {
    expect(thrown(() => validateNodeInfo({ ...full, listenAddr: 'tcp://seed-1.example.com:26656' }))).toBeUndefined()
    expect(thrown(() => validateNodeInfo({ ...full, listenAddr: 'localhost:26656' }))).toBeUndefined()
    expect((thrown(() => validateNodeInfo({ ...full, listenAddr: 'seed.example:x' })) as NodeInfoError).field).toBe('listenAddr')
  })

  it('accepts an IPv6 zone as Go does (its resolver parses it without DNS)', () => {
    expect(thrown(() => validateNodeInfo({ ...full, listenAddr: 'tcp://[fe80::1%eth0]:26656' }))).toBeUndefined()
  })

  it('rejects duplicate channels wherever they are, and non-ASCII or blank text fields', () => {
    expect((thrown(() => validateNodeInfo({ ...full, channels: Uint8Array.of(1, 2, 3, 1) })) as NodeInfoError).message).toBe(
      'info.Channels contains duplicate channel id 1'
    )
    expect((thrown(() => validateNodeInfo({ ...full, version: '   ' })) as NodeInfoError).field).toBe('version')
    expect((thrown(() => validateNodeInfo({ ...full, other: { txIndex: 'on', rpcAddress: ' ' } })) as NodeInfoError).field).toBe('rpcAddress')
    expect((thrown(() => validateNodeInfo({ ...full, moniker: 'x\u007f' })) as NodeInfoError).field).toBe('moniker')
  })
})

describe('compatible_with vectors (Go CompatibleWith)', () => {
  const fieldOf = (error: string): string =>
    error.includes('Block version') ? 'protocolVersion' : error.includes('network') ? 'network' : 'channels'
  for (const row of vectors.compatible_with) {
    it(row.name, () => {
      const err = thrown(() => checkNodeInfoCompatible(toNodeInfo(row.ours), toNodeInfo(row.theirs)))
      if (row.compatible) {
        expect(err).toBeUndefined()
        return
      }
      expect(err).toBeInstanceOf(NodeInfoError)
      expect((err as NodeInfoError).message).toBe(row.error)
      expect((err as NodeInfoError).field).toBe(fieldOf(row.error!))
    })
  }

  it('prints channels as uppercase hex, like Go HexBytes', () => {
    const err = thrown(() =>
      checkNodeInfoCompatible({ ...full, channels: Uint8Array.of(0xab) }, { ...full, channels: Uint8Array.of(0xcd, 0xef) })
    ) as NodeInfoError
    expect(err.message).toBe('peer has no common channels. Our channels: AB ; Peer channels: CDEF')
  })
})

describe('nodeInfoAddress', () => {
  it('is the ID at the listen address, scheme removed', async () => {
    expect(nodeInfoAddressLiteral(full)).toEqual({ id: ID, ip: '127.0.0.1', port: 26656 })
    expect(await nodeInfoAddress(full)).toEqual({ id: ID, ip: '127.0.0.1', port: 26656 })
  })

  it('resolves a host name only in the async form', async () => {
    const info = { ...full, listenAddr: 'tcp://node.example:26656' }
    const asked: string[] = []
    const resolve: HostResolver = async (host) => {
      asked.push(host)
      return ['9.9.9.9']
    }
    expect(await nodeInfoAddress(info, { resolve })).toEqual({ id: ID, ip: '9.9.9.9', port: 26656 })
    expect(asked).toEqual(['node.example'])
    const err = thrown(() => nodeInfoAddressLiteral(info)) as NetAddressError
    expect(err).toBeInstanceOf(NetAddressError)
    expect(err.kind).toBe('lookup')
  })
})
