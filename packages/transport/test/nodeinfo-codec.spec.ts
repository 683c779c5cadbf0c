import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import type { NodeID, NodeInfo } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { decodeUvarint, encodeUvarint } from '@p2p/types/wire'
import { decodeNodeInfo, decodeNodeInfoFields, encodeNodeInfo } from '../src/nodeinfo/codec.js'

interface GoNodeInfo {
  id: string
  listen_addr: string
  network: string
  version: string
  channels: string
  moniker: string
  other: { tx_index: string; rpc_address: string }
  protocol_version: { p2p: number; block: number; app: number }
  delimited_hex: string
  delimited_len: number
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/node_info.json', import.meta.url), 'utf8')) as Record<
  'full' | 'minimal',
  GoNodeInfo
>

function fromGo(v: GoNodeInfo): NodeInfo {
  return {
    protocolVersion: {
      p2p: BigInt(v.protocol_version.p2p),
      block: BigInt(v.protocol_version.block),
      app: BigInt(v.protocol_version.app)
    },
    id: v.id as NodeID,
    listenAddr: v.listen_addr,
    network: v.network,
    version: v.version,
    channels: Buffer.from(v.channels, 'hex'),
    moniker: v.moniker,
    other: { txIndex: v.other.tx_index, rpcAddress: v.other.rpc_address }
  }
}

function delimited(body: Uint8Array): string {
  return Buffer.concat([encodeUvarint(body.length), body]).toString('hex')
}

describe('NodeInfo codec against Go bytes', () => {
  for (const name of ['full', 'minimal'] as const) {
    const v = vectors[name]
    it(`encodes ${name} exactly as the Go handshake wrote it`, () => {
      const body = encodeNodeInfo(fromGo(v))
      expect(delimited(body)).toBe(v.delimited_hex)
      expect(body.length + encodeUvarint(body.length).length).toBe(v.delimited_len)
    })

    it(`decodes Go's ${name} bytes`, () => {
      const bytes = Buffer.from(v.delimited_hex, 'hex')
      const prefix = decodeUvarint(bytes)!
      expect(prefix.value).toBe(bytes.length - prefix.bytesRead)
      const decoded = decodeNodeInfo(bytes.subarray(prefix.bytesRead))
      expect(decoded).toEqual({ ...fromGo(v), channels: new Uint8Array(Buffer.from(v.channels, 'hex')) })
    })
  }

  it('accepts fields in any order and skips unknown fields, as Go does', () => {
    // network (4) before protocol_version (1), then unknown field 15 (varint) and 16 (bytes)
    const bytes = Buffer.from('2203616263' + '0a021005' + '7801' + '820103ffffff', 'hex')
    const info = decodeNodeInfo(bytes)
    expect(info.network).toBe('abc')
    expect(info.protocolVersion.block).toBe(5n)
  })

  it.each([
    ['truncated length', '2205616263'],
    ['wrong wire type for a known field', '2001'],
    ['field number 0', '0001'],
    ['group wire type', '0b'],
    ['varint over 64 bits', '08ffffffffffffffffff7f']
  ])('rejects %s with a ProtocolError', (_name, hex) => {
    expect(() => decodeNodeInfo(Buffer.from(hex, 'hex'))).toThrowError(expect.objectContaining({ name: 'ProtocolError' }))
  })

  it('never throws anything but a ProtocolError on random bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeNodeInfo(bytes)
        } catch (err) {
          expect((err as Error).name).toBe('ProtocolError')
        }
      }),
      { numRuns: 2000 }
    )
  })

  it('round-trips arbitrary NodeInfo values (fuzz)', () => {
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
    fc.assert(
      fc.property(
        fc.record({
          protocolVersion: fc.record({ p2p: u64, block: u64, app: u64 }),
          id: fc.string() as fc.Arbitrary<NodeID>,
          listenAddr: fc.string(),
          network: fc.string(),
          version: fc.string(),
          channels: fc.uint8Array({ maxLength: 20 }),
          moniker: fc.string(),
          other: fc.record({ txIndex: fc.string(), rpcAddress: fc.string() })
        }),
        (info) => {
          expect(decodeNodeInfo(encodeNodeInfo(info))).toEqual(info)
        }
      ),
      { numRuns: 300 }
    )
  })

  // decodeNodeInfo takes a one-pass fast path for the canonical shape and hands anything else
  // to the general decoder: both must give the same value or the same error on any input.
  const outcome = (f: () => NodeInfo): unknown => {
    try {
      return { value: f() }
    } catch (err) {
      return { error: (err as Error).name, message: (err as Error).message }
    }
  }

  it('fast path and general decoder agree on mutated honest NodeInfos (fuzz)', () => {
    const base = Buffer.from(vectors.full.delimited_hex, 'hex')
    const body = base.subarray(decodeUvarint(base)!.bytesRead)
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
        fc.nat({ max: body.length }),
        fc.uint8Array({ maxLength: 8 }),
        (edits, cut, tail) => {
          const bytes = Buffer.concat([body.subarray(0, cut), tail, body.subarray(cut)])
          for (const e of edits) bytes[e.at % bytes.length] = e.byte
          expect(outcome(() => decodeNodeInfo(bytes))).toEqual(outcome(() => decodeNodeInfoFields(bytes)))
        }
      ),
      { numRuns: 1000 }
    )
  })

  it('fast path and general decoder agree on random bytes and on encoded values (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(outcome(() => decodeNodeInfo(bytes))).toEqual(outcome(() => decodeNodeInfoFields(bytes)))
      }),
      { numRuns: 1000 }
    )
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
    fc.assert(
      fc.property(
        fc.record({
          protocolVersion: fc.record({ p2p: u64, block: u64, app: u64 }),
          id: fc.string() as fc.Arbitrary<NodeID>,
          listenAddr: fc.string({ unit: 'binary', maxLength: 200 }),
          network: fc.string(),
          version: fc.string(),
          channels: fc.uint8Array({ maxLength: 200 }),
          moniker: fc.string({ unit: 'grapheme', maxLength: 100 }),
          other: fc.record({ txIndex: fc.string(), rpcAddress: fc.string() })
        }),
        (info) => {
          const bytes = encodeNodeInfo(info)
          expect(decodeNodeInfo(bytes)).toEqual(decodeNodeInfoFields(bytes))
        }
      ),
      { numRuns: 200 }
    )
  })

  it('takes the general path for non-minimal lengths and repeated version messages, with the same result', () => {
    // network as a non-minimal two-byte length, then protocol_version twice (fields merge)
    const bytes = Buffer.from('228300616263' + '0a021005' + '0a020807', 'hex')
    const info = decodeNodeInfo(bytes)
    expect(info).toEqual(decodeNodeInfoFields(bytes))
    expect(info.network).toBe('abc')
    expect(info.protocolVersion).toEqual({ p2p: 7n, block: 5n, app: 0n })
  })
})
