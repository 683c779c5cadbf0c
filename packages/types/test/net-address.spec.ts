import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  AbortError,
  createNetAddress,
  dialString,
  defaultHostResolver,
  type HostResolver,
  ipBytes,
  isLocalAddress,
  isRoutableAddress,
  isRoutableIp,
  isValidIp,
  isValidNetAddress,
  type NetAddress,
  NetAddressError,
  netAddressEquals,
  netAddressFromProto,
  netAddressProblem,
  netAddressSame,
  netAddressString,
  parseNetAddress,
  parseNetAddressLiteral,
  idAddressString,
  reachabilityTo,
  splitIdAddress,
  splitNetAddress
} from '../src/index.js'

interface ParseRow {
  input: string
  ok: boolean
  id?: string
  ip?: string
  port?: number
  string?: string
  dial_string?: string
  error: string | null
  error_type?: string
  dns_dependent: boolean
}
interface IpRow { ip: string; valid_error: string | null; valid: boolean; local: boolean; routable: boolean }
const vectors = JSON.parse(readFileSync(new URL('./fixtures/net_address.json', import.meta.url), 'utf8')) as {
  new_net_address_string: ParseRow[]
  ip_properties: IpRow[]
  reachability_to: { from: string; to: string; reachability: number }[]
  valid_id_cases: { desc: string; id: string; ip: string; valid_error: string | null }[]
  from_proto: { ip: string; port: number; ok: boolean; string?: string; error: string | null }[]
}

const ID = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef'
const KIND_OF_GO_TYPE: Record<string, string> = {
  'p2p.ErrNetAddressNoID': 'no-id',
  'p2p.ErrNetAddressInvalid': 'invalid',
  'p2p.ErrNetAddressLookup': 'lookup'
}

/** A resolver that fails the test if it is ever asked anything. */
const forbidden: HostResolver = async (host) => {
  throw new Error(`resolver must not be called (asked for ${host})`)
}

function catchSync(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

function expectMatchesRow(addr: NetAddress, row: ParseRow): void {
  expect(addr.id).toBe(row.id)
  expect(addr.ip).toBe(row.ip)
  expect(addr.port).toBe(row.port ?? 0)
  expect(netAddressString(addr)).toBe(row.string)
  expect(dialString(addr)).toBe(row.dial_string)
}

/** The host part of a DNS-dependent row, as Go's SplitHostPort gives it. */
function hostOf(input: string): string {
  const hostPort = input.slice(input.indexOf('@') + 1)
  return hostPort.slice(0, hostPort.lastIndexOf(':'))
}

describe('new_net_address_string vectors without DNS', () => {
  for (const row of vectors.new_net_address_string.filter((r) => !r.dns_dependent)) {
    it(`${JSON.stringify(row.input)} → ${row.ok ? 'ok' : row.error_type}`, async () => {
      if (row.ok) {
        expectMatchesRow(parseNetAddressLiteral(row.input), row)
        expectMatchesRow(await parseNetAddress(row.input, { resolve: forbidden }), row)
        return
      }
      const kind = KIND_OF_GO_TYPE[row.error_type!]
      expect(kind).toBeDefined()
      const syncErr = catchSync(() => parseNetAddressLiteral(row.input))
      expect(syncErr).toBeInstanceOf(NetAddressError)
      expect((syncErr as NetAddressError).kind).toBe(kind)
      expect((syncErr as NetAddressError).message).toBe(row.error)
      const asyncErr = await parseNetAddress(row.input, { resolve: forbidden }).catch((e: unknown) => e)
      expect(asyncErr).toBeInstanceOf(NetAddressError)
      expect((asyncErr as NetAddressError).kind).toBe(kind)
      expect((asyncErr as NetAddressError).message).toBe(row.error)
    })
  }
})

describe('new_net_address_string vectors that depend on DNS (fake resolver)', () => {
  const rows = vectors.new_net_address_string.filter((r) => r.dns_dependent)

  it('has DNS rows to check', () => {
    expect(rows.length).toBeGreaterThanOrEqual(5)
  })

  for (const row of rows) {
    const host = hostOf(row.input)
    it(`${JSON.stringify(row.input)} asks the resolver for ${JSON.stringify(host)} and uses its first answer`, async () => {
      const asked: string[] = []
      const resolve: HostResolver = async (h) => {
        asked.push(h)
        return ['2001:4860::8888', '5.6.7.8']
      }
      const addr = await parseNetAddress(row.input, { resolve })
      expect(asked).toEqual([host])
      expect(addr.ip).toBe('2001:4860::8888')
      expect(addr.id).toBe(row.input.slice(0, row.input.indexOf('@')))
      expect(addr.port).toBe(26656)
    })

    it(`${JSON.stringify(row.input)} fails with Go's lookup error when resolution fails`, async () => {
      const err = await parseNetAddress(row.input, {
        resolve: async () => {
          throw new Error('no such host')
        }
      }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(NetAddressError)
      expect((err as NetAddressError).kind).toBe('lookup')
      expect((err as NetAddressError).message).toBe(`error looking up host (${host}): no such host`)
      expect(row.error).toContain(`error looking up host (${host})`)
    })

    it(`${JSON.stringify(row.input)} is a lookup error for the synchronous parser`, () => {
      const err = catchSync(() => parseNetAddressLiteral(row.input))
      expect((err as NetAddressError).kind).toBe('lookup')
      expect((err as NetAddressError).message).toMatch(new RegExp(`^error looking up host \\(${host.replace(/\./g, '\\.')}\\): `))
    })
  }

  it('the default resolver refuses names Go would not query (all-numeric, spaces) without any I/O', async () => {
    for (const host of rows.map((r) => hostOf(r.input)).filter((h) => /^[ 0-9.]+$/.test(h))) {
      const err = await defaultHostResolver(host).catch((e: unknown) => e)
      expect(err, host).toBeInstanceOf(NetAddressError)
      expect((err as NetAddressError).message).toBe(`lookup ${host}: no such host`)
    }
  })

  it('an empty answer, or a non-IP answer, is a lookup error', async () => {
    const input = `${ID}@seed.example:26656`
    for (const answer of [[], ['not-an-ip']]) {
      const err = await parseNetAddress(input, { resolve: async () => answer }).catch((e: unknown) => e)
      expect((err as NetAddressError).kind).toBe('lookup')
    }
  })

  it('looks the name up before parsing the port, as Go does', async () => {
    let calls = 0
    const err = await parseNetAddress(`${ID}@seed.example:99999`, {
      resolve: async () => {
        calls++
        return ['1.2.3.4']
      }
    }).catch((e: unknown) => e)
    expect(calls).toBe(1)
    expect((err as NetAddressError).kind).toBe('invalid')
    expect((err as NetAddressError).message).toBe('invalid address (99999): strconv.ParseUint: parsing "99999": value out of range')
  })

  it('stops with AbortError when the signal fires, and does not call the resolver when already aborted', async () => {
    const input = `${ID}@seed.example:26656`
    const controller = new AbortController()
    let seen: AbortSignal | undefined
    const pending = parseNetAddress(input, {
      signal: controller.signal,
      resolve: (_host, options) => {
        seen = options?.signal
        return new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => reject(new Error('cancelled')), { once: true })
        })
      }
    })
    controller.abort()
    await expect(pending).rejects.toBeInstanceOf(AbortError)
    expect(seen).toBe(controller.signal)
    await expect(parseNetAddress(input, { signal: controller.signal, resolve: forbidden })).rejects.toBeInstanceOf(AbortError)
  })

  it('defaultHostResolver rejects at once on abort and leaves no listener behind', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(defaultHostResolver('localhost', { signal: controller.signal })).rejects.toBeInstanceOf(AbortError)
    const live = new AbortController()
    let added = 0
    let removed = 0
    const signal = live.signal
    const add = signal.addEventListener.bind(signal)
    const remove = signal.removeEventListener.bind(signal)
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++
      add(...args)
    }) as typeof signal.addEventListener
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed++
      remove(...args)
    }) as typeof signal.removeEventListener
    await defaultHostResolver('localhost', { signal }).catch(() => undefined)
    expect(added).toBe(1)
    expect(removed).toBe(1)
  })
})

describe('ip_properties vectors (Valid / Local / Routable)', () => {
  for (const row of vectors.ip_properties) {
    it(row.ip, () => {
      const addr = createNetAddress(ID, row.ip, 26656)
      expect(netAddressProblem(addr) ?? null).toBe(row.valid_error)
      expect(isValidNetAddress(addr)).toBe(row.valid)
      expect(isLocalAddress(addr)).toBe(row.local)
      expect(isRoutableAddress(addr)).toBe(row.routable)
      // the same answers on the parsed bytes (the ID here is valid)
      expect(isValidIp(ipBytes(addr))).toBe(row.valid)
      expect(isRoutableIp(ipBytes(addr))).toBe(row.routable)
    })
  }
  it('an empty (unparsed) IP is neither valid nor routable', () => {
    expect(isValidIp(new Uint8Array(0))).toBe(false)
    expect(isRoutableIp(new Uint8Array(0))).toBe(false)
  })
})

describe('reachability_to vectors', () => {
  it('covers a full matrix', () => {
    expect(vectors.reachability_to.length).toBeGreaterThanOrEqual(49)
  })
  for (const row of vectors.reachability_to) {
    it(`${row.from} → ${row.to} = ${row.reachability}`, () => {
      expect(reachabilityTo(createNetAddress(ID, row.from, 26656), createNetAddress(ID, row.to, 26656))).toBe(row.reachability)
    })
  }
})

describe('valid_id_cases vectors', () => {
  for (const row of vectors.valid_id_cases) {
    it(row.desc, () => {
      const addr: NetAddress = row.ip === '' ? ({ id: row.id, ip: '', port: 26656 } as NetAddress) : createNetAddress(row.id, row.ip, 26656)
      expect(netAddressProblem(addr) ?? null).toBe(row.valid_error)
      expect(isValidNetAddress(addr)).toBe(row.valid_error === null)
      if (row.valid_error !== null) expect(isRoutableAddress(addr)).toBe(false)
    })
  }
})

describe('from_proto vectors', () => {
  for (const row of vectors.from_proto) {
    it(`${JSON.stringify(row.ip)}:${row.port}`, () => {
      const p = { id: ID, ip: row.ip, port: row.port }
      if (row.ok) {
        expect(netAddressString(netAddressFromProto(p))).toBe(row.string)
        return
      }
      const err = catchSync(() => netAddressFromProto(p)) as NetAddressError
      expect(err).toBeInstanceOf(NetAddressError)
      expect(err.message).toBe(row.error)
      expect(err.kind).toBe(row.error!.startsWith('invalid IP') ? 'invalid-ip' : 'invalid-port')
    })
  }

  it('does not validate the ID (as Go), and rejects a zone, a negative or fractional port', () => {
    expect(netAddressFromProto({ id: 'nope', ip: '1.2.3.4', port: 1 }).id).toBe('nope')
    expect((catchSync(() => netAddressFromProto({ id: ID, ip: 'fe80::1%eth0', port: 1 })) as NetAddressError).kind).toBe('invalid-ip')
    expect((catchSync(() => netAddressFromProto({ id: ID, ip: '1.2.3.4', port: -1 })) as NetAddressError).kind).toBe('invalid-port')
    expect((catchSync(() => netAddressFromProto({ id: ID, ip: '1.2.3.4', port: 1.5 })) as NetAddressError).kind).toBe('invalid-port')
  })
})

describe('createNetAddress, equality, ipBytes', () => {
  it('canonicalises text and byte IPs', () => {
    expect(createNetAddress(ID, '::FFFF:1.2.3.4', 1).ip).toBe('1.2.3.4')
    expect(createNetAddress(ID, '2001:0DB8:0:0::1', 1).ip).toBe('2001:db8::1')
    expect(createNetAddress(ID, Uint8Array.of(8, 8, 4, 4), 53).ip).toBe('8.8.4.4')
    expect(dialString(createNetAddress('', '::1', 7))).toBe('[::1]:7')
    expect(netAddressString(createNetAddress('', '::1', 7))).toBe('[::1]:7')
  })

  it('throws typed errors on a bad IP or port', () => {
    expect((catchSync(() => createNetAddress(ID, 'x', 1)) as NetAddressError).kind).toBe('invalid-ip')
    expect((catchSync(() => createNetAddress(ID, new Uint8Array(5), 1)) as NetAddressError).kind).toBe('invalid-ip')
    expect((catchSync(() => createNetAddress(ID, '1.2.3.4', 65536)) as NetAddressError).kind).toBe('invalid-port')
  })

  it('Equals compares ID, IP and port; Same compares the dial string or a non-empty ID', () => {
    const a = createNetAddress(ID, '1.2.3.4', 1)
    const otherId = createNetAddress('ab'.repeat(20), '1.2.3.4', 1)
    const otherPort = createNetAddress(ID, '1.2.3.4', 2)
    const noId1 = createNetAddress('', '1.2.3.4', 2)
    const noId2 = createNetAddress('', '5.6.7.8', 2)
    expect(netAddressEquals(a, createNetAddress(ID, '::ffff:1.2.3.4', 1))).toBe(true)
    expect(netAddressEquals(a, otherId)).toBe(false)
    expect(netAddressSame(a, otherId)).toBe(true)
    expect(netAddressSame(a, otherPort)).toBe(true)
    expect(netAddressSame(otherId, otherPort)).toBe(false)
    expect(netAddressSame(noId1, noId2)).toBe(false)
  })

  it('ipBytes gives 16 bytes, or none for an empty IP', () => {
    expect(ipBytes(createNetAddress(ID, '1.2.3.4', 1))).toEqual(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4))
    expect(ipBytes({ id: ID, ip: '', port: 1 } as NetAddress).length).toBe(0)
  })
})

describe('splitIdAddress (a NodeInfo listen address, split without joining)', () => {
  const outcome = (f: () => unknown): unknown => {
    try {
      return { ok: f() }
    } catch (err) {
      return { name: (err as Error).name, message: (err as Error).message }
    }
  }
  const id = 'a'.repeat(40)
  const pieces = ['', '@', '://', ':', '[', ']', '::1', '1.2.3.4', 'host', '26656', 'tcp', '%', 'A'.repeat(40), id]

  it('answers exactly what splitNetAddress of the joined string answers, errors included', () => {
    const ids = [id, 'B'.repeat(40), '', 'zz', `${id}@x`, 'a:b', 'tcp://x']
    fc.assert(
      fc.property(fc.constantFrom(...ids), fc.array(fc.constantFrom(...pieces), { maxLength: 6 }), (nodeId, parts) => {
        const addr = parts.join('')
        expect(outcome(() => splitIdAddress(nodeId, addr))).toEqual(outcome(() => splitNetAddress(idAddressString(nodeId, addr))))
      }),
      { numRuns: 3000 }
    )
    for (const addr of ['tcp://1.2.3.4:26656', '1.2.3.4:26656', 'tcp://[::1]:1', 'x@1.2.3.4:1', 'tcp://a://b:1', '0.0.0.0:26656']) {
      expect(outcome(() => splitIdAddress(id, addr))).toEqual(outcome(() => splitNetAddress(idAddressString(id, addr))))
    }
  })
})
