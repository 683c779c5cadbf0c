import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatIp,
  isIPv4,
  isLoopback,
  isOnionCatTor,
  isRFC1918,
  isRFC3849,
  isRFC3927,
  isRFC3964,
  isRFC4193,
  isRFC4380,
  isRFC4843,
  isRFC4862,
  isRFC6052,
  isRFC6145,
  isUnspecified,
  isZero4,
  ipv4Bytes,
  parseIp,
  parseIpWithZone
} from '../src/index.js'

interface IpRow {
  ip: string
  go_ip_string: string
  local: boolean
  rfc: Record<string, boolean>
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/net_address.json', import.meta.url), 'utf8')) as {
  ip_properties: IpRow[]
}

const RFC_CHECKS: Record<string, (ip: Uint8Array) => boolean> = {
  '1918': isRFC1918,
  '3849': isRFC3849,
  '3927': isRFC3927,
  '3964': isRFC3964,
  '4193': isRFC4193,
  '4380': isRFC4380,
  '4843': isRFC4843,
  '4862': isRFC4862,
  '6052': isRFC6052,
  '6145': isRFC6145,
  onioncat_tor: isOnionCatTor
}

describe('ip_properties vectors (range predicates, Go printing)', () => {
  for (const row of vectors.ip_properties) {
    it(`${row.ip}`, () => {
      const ip = parseIp(row.ip)
      expect(ip).toBeDefined()
      expect(ip!.length).toBe(16)
      expect(formatIp(ip!)).toBe(row.go_ip_string)
      expect(Object.keys(row.rfc).sort()).toEqual(Object.keys(RFC_CHECKS).sort())
      for (const [name, expected] of Object.entries(row.rfc)) {
        expect(RFC_CHECKS[name]!(ip!), `rfc ${name}`).toBe(expected)
      }
      expect(isLoopback(ip!) || isZero4(ip!), 'local').toBe(row.local)
    })
  }
})

describe('parseIp (Go net.ParseIP)', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::1.2.3.4', '::102:304'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['2001:DB8::ABCD', '2001:db8::abcd'],
    ['0001:0002:0000:0000:0000:0000:0000:0003', '1:2::3'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8']
  ])('%s prints as %s', (text, printed) => {
    const ip = parseIp(text)
    expect(ip).toBeDefined()
    expect(formatIp(ip!)).toBe(printed)
  })

  it.each([
    '',
    '01.02.03.04',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1.2.3.',
    '.1.2.3',
    '1..2.3',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4%eth0',
    'fe80::1%eth0',
    'fe80::1%',
    '%eth0',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7',
    '1:',
    ':1',
    '1.2.3.4::',
    '::ffff:01.2.3.4',
    '1:2:3:4:5:6:7:1.2.3.4',
    '[::1]',
    'localhost',
    '0x01.2.3.4'
  ])('rejects %j', (text) => {
    expect(parseIp(text)).toBeUndefined()
  })

  it('accepts a zone only through parseIpWithZone (Go netip.ParseAddr, used by LookupIP)', () => {
    const zoned = parseIpWithZone('fe80::1%eth0')
    expect(zoned?.zone).toBe('eth0')
    expect(formatIp(zoned!.ip)).toBe('fe80::1')
    expect(parseIpWithZone('fe80::1%')).toBeUndefined()
    expect(parseIpWithZone('1.2.3.4%eth0')).toBeUndefined()
  })
})

describe('IPv4 helpers', () => {
  it('treats IPv4-mapped 16-byte and plain 4-byte forms as IPv4', () => {
    const mapped = parseIp('10.1.2.3')!
    expect(isIPv4(mapped)).toBe(true)
    expect([...ipv4Bytes(mapped)!]).toEqual([10, 1, 2, 3])
    // A copy for the mapped form: writing to it leaves the address alone.
    ipv4Bytes(mapped)!.fill(0)
    expect(formatIp(mapped)).toBe('10.1.2.3')
    expect(isIPv4(Uint8Array.of(10, 1, 2, 3))).toBe(true)
    expect(isRFC1918(Uint8Array.of(10, 1, 2, 3))).toBe(true)
    expect(isIPv4(parseIp('::a01:203')!)).toBe(false)
    expect(isRFC1918(parseIp('::a01:203')!)).toBe(false)
    expect(ipv4Bytes(parseIp('2001::1')!)).toBeUndefined()
  })

  it('never matches any range for an empty or odd-length IP, and prints them like Go', () => {
    for (const ip of [new Uint8Array(0), new Uint8Array(5)]) {
      for (const check of [...Object.values(RFC_CHECKS), isLoopback, isUnspecified, isZero4]) expect(check(ip)).toBe(false)
    }
    expect(formatIp(new Uint8Array(0))).toBe('<nil>')
    expect(formatIp(Uint8Array.of(1, 2, 3, 4, 5))).toBe('?0102030405')
  })
})

const ipv6Bytes = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((groups) => {
  const b = new Uint8Array(16)
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8
    b[2 * i + 1] = g & 0xff
  })
  return b
})

describe('parseIp / formatIp properties (fast-check)', () => {
  it('formatIp then parseIp gives the same 16 bytes', () => {
    fc.assert(
      fc.property(ipv6Bytes, (ip) => {
        expect([...parseIp(formatIp(ip))!]).toEqual([...ip])
      }),
      { numRuns: 500 }
    )
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (ip4) => {
        const back = parseIp(formatIp(ip4))!
        expect([...ipv4Bytes(back)!]).toEqual([...ip4])
      }),
      { numRuns: 300 }
    )
  })

  it('prints non-IPv4 IPv6 exactly as the WHATWG URL serializer (same :: rule as Go)', () => {
    fc.assert(
      fc.property(ipv6Bytes, (ip) => {
        fc.pre(!isIPv4(ip))
        const full = Array.from({ length: 8 }, (_, i) => ((ip[2 * i]! << 8) | ip[2 * i + 1]!).toString(16)).join(':')
        expect(`[${formatIp(ip)}]`).toBe(new URL(`http://[${full}]/`).hostname)
      }),
      { numRuns: 500 }
    )
  })

  it('never throws on arbitrary text, and what parses re-parses from its printed form', () => {
    const ipish = fc.stringMatching(/^[0-9a-fA-F:.%x ]{0,45}$/)
    fc.assert(
      fc.property(fc.oneof(ipish, fc.string({ maxLength: 60 })), (text) => {
        const ip = parseIp(text)
        if (ip !== undefined) {
          expect(ip.length).toBe(16)
          expect([...parseIp(formatIp(ip))!]).toEqual([...ip])
        }
        parseIpWithZone(text)
      }),
      { numRuns: 1000 }
    )
  })
})
