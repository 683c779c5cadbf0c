import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type HostResolver,
  InvalidNodeIdError,
  NetAddressError,
  type NodeID,
  type NodeInfo,
  NodeInfoError,
  netAddressFromProto,
  netAddressProblem,
  netAddressString,
  parseNetAddress,
  parseNetAddressLiteral,
  reachabilityTo,
  validateNodeInfo
} from '../src/index.js'

const TYPED = [NetAddressError, NodeInfoError, InvalidNodeIdError]
const RUNS = 400

function expectTyped(err: unknown): void {
  expect(TYPED.some((cls) => err instanceof cls), `untyped error: ${String(err)}`).toBe(true)
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn()
  } catch (err) {
    expectTyped(err)
    return undefined
  }
}

const hex40 = fc.stringMatching(/^[0-9a-fA-F]{40}$/)
const idLike = fc.oneof(
  { arbitrary: hex40, weight: 4 },
  fc.stringMatching(/^[0-9a-fx@ ]{0,44}$/),
  fc.string({ maxLength: 44 })
)
const hostLike = fc.oneof(
  { arbitrary: fc.ipV4(), weight: 3 },
  { arbitrary: fc.ipV6().map((ip) => `[${ip}]`), weight: 3 },
  fc.ipV4Extended(),
  fc.domain(),
  fc.stringMatching(/^[[\]0-9a-f:.%]{0,40}$/),
  fc.string({ maxLength: 30 })
)
const portLike = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 65535 }).map(String), weight: 4 },
  fc.integer({ min: -2, max: 70000 }).map(String),
  fc.stringMatching(/^[0-9+ -]{0,8}$/)
)
const scheme = fc.constantFrom('', 'tcp://', 'udp://', 'tcp//', '://', 'tcp://tcp://')
const addressLike = fc.oneof(
  { arbitrary: fc.tuple(scheme, idLike, hostLike, portLike).map(([s, id, host, port]) => `${s}${id}@${host}:${port}`), weight: 6 },
  fc.string({ maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 60 })
)

const fakeResolve: HostResolver = async (host) => (host.length % 3 === 0 ? ['203.0.113.9'] : Promise.reject(new Error('no such host')))

describe('fuzz: net address parsing never fails untyped', () => {
  it('parseNetAddressLiteral throws only NetAddressError; what parses re-parses from its string', () => {
    let parsed = 0
    fc.assert(
      fc.property(addressLike, (s) => {
        const addr = attempt(() => parseNetAddressLiteral(s))
        if (addr === undefined) return
        parsed++
        expect(addr.port).toBeGreaterThanOrEqual(0)
        expect(addr.port).toBeLessThanOrEqual(65535)
        expect(parseNetAddressLiteral(netAddressString(addr))).toEqual(addr)
        attempt(() => netAddressProblem(addr))
      }),
      { numRuns: RUNS }
    )
    // The generator must reach the success path too, or the round-trip check proves nothing.
    expect(parsed).toBeGreaterThan(RUNS / 20)
  })

  it('parseNetAddress agrees with the literal parser except where it resolved a name', async () => {
    await fc.assert(
      fc.asyncProperty(addressLike, async (s) => {
        let sync: unknown
        try {
          sync = parseNetAddressLiteral(s)
        } catch (err) {
          sync = err
        }
        let resolved = false
        const resolve: HostResolver = async (host, options) => {
          resolved = true
          return fakeResolve(host, options)
        }
        let async: unknown
        try {
          async = await parseNetAddress(s, { resolve })
        } catch (err) {
          async = err
          expectTyped(err)
        }
        if (!resolved) expect(async).toEqual(sync)
        else expect((sync as NetAddressError).kind).toBe('lookup')
      }),
      { numRuns: RUNS }
    )
  })

  it('netAddressFromProto and the address predicates never fail untyped', () => {
    fc.assert(
      fc.property(idLike, fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 40 })), fc.double(), (id, ip, port) => {
        const intPort = Number.isFinite(port) && port > -10 && port < 70000 ? Math.trunc(port) : port
        const addr = attempt(() => netAddressFromProto({ id, ip, port: intPort }))
        if (addr !== undefined) expect(reachabilityTo(addr, addr)).toBeGreaterThanOrEqual(0)
      }),
      { numRuns: RUNS }
    )
  })
})

const nodeInfoArb: fc.Arbitrary<NodeInfo> = fc.record({
  protocolVersion: fc.record({ p2p: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), block: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), app: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  id: idLike.map((s) => s as NodeID),
  listenAddr: fc.oneof(
    fc.tuple(scheme, hostLike, portLike).map(([s, host, port]) => `${s}${host}:${port}`),
    fc.string({ maxLength: 60 })
  ),
  network: fc.string({ maxLength: 20 }),
  version: fc.oneof(fc.constant('0.34.35'), fc.constant(' '), fc.string({ unit: 'binary', maxLength: 20 })),
  channels: fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 16 }).map((a) => Uint8Array.from(a))),
  moniker: fc.oneof({ arbitrary: fc.constant('node'), weight: 3 }, fc.string({ unit: 'binary', maxLength: 20 })),
  other: fc.record({
    txIndex: fc.constantFrom('', 'on', 'off', 'maybe', 'ON'),
    rpcAddress: fc.oneof(fc.constant('tcp://0.0.0.0:26657'), fc.string({ maxLength: 20 }))
  })
})

describe('fuzz: validateNodeInfo never fails untyped', () => {
  it('throws only NodeInfoError', () => {
    const fields = new Set<string>()
    fc.assert(
      fc.property(nodeInfoArb, (info) => {
        try {
          validateNodeInfo(info)
          fields.add('ok')
        } catch (err) {
          expect(err).toBeInstanceOf(NodeInfoError)
          fields.add((err as NodeInfoError).field)
        }
      }),
      { numRuns: RUNS }
    )
    expect(fields.has('listenAddr')).toBe(true)
    expect(fields.has('id')).toBe(true)
  })

  it('throws only NodeInfoError when the listen address and ID are valid (reaches the later checks)', () => {
    const fields = new Set<string>()
    fc.assert(
      fc.property(nodeInfoArb, hex40, fc.ipV4(), (info, id, ip) => {
        try {
          validateNodeInfo({ ...info, id: id as NodeID, listenAddr: `tcp://${ip}:26656` })
          fields.add('ok')
        } catch (err) {
          expect(err).toBeInstanceOf(NodeInfoError)
          fields.add((err as NodeInfoError).field)
        }
      }),
      { numRuns: RUNS }
    )
    for (const field of ['ok', 'version', 'channels', 'moniker', 'txIndex']) expect(fields.has(field), field).toBe(true)
  })
})
