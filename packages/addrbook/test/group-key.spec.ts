import { createNetAddress } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { groupKey } from '../src/group-key.js'

const ID = '678503e6c8f50db7279c7da3cb9b072aac4bc0d5'
const key = (ip: string, strict: boolean): string => groupKey(createNetAddress(ID, ip, 26656), strict)

describe('groupKey (Go TestAddrBookGroupKey)', () => {
  it.each([
    ['12.1.2.3', '12.1.0.0'],
    ['173.1.2.3', '173.1.0.0'],
    ['196.1.2.3', '196.1.0.0'],
    ['2002:0c01:0203::', '12.1.0.0'], // 6to4
    ['2001:0:1234::f3fe:fdfc', '12.1.0.0'], // Teredo, IPv4 bit-inverted
    ['64:ff9b::0c01:0203', '12.1.0.0'], // RFC 6052
    ['::ffff:0:0c01:0203', '12.1.0.0'], // RFC 6145
    ['fd87:d87e:eb43:1234::5678', 'tor:2'],
    ['fd87:d87e:eb43:1245::6789', 'tor:2'],
    ['fd87:d87e:eb43:1345::6789', 'tor:3'],
    ['2602:100::1', '2602:100::'],
    ['2602:0100::1234', '2602:100::'],
    ['2001:470:1f10:a1::2', '2001:470:1000::'], // Hurricane Electric: /36
    ['2001:0470:1f10:a1::2', '2001:470:1000::']
  ])('non-strict %s -> %s', (ip, expected) => {
    expect(key(ip, false)).toBe(expected)
  })

  it.each([
    ['127.0.0.1', 'local'],
    ['::1', 'local'],
    ['0.0.0.0', 'local'],
    ['0.1.2.3', 'local'],
    ['255.255.255.255', 'unroutable'],
    ['10.1.2.3', 'unroutable'],
    ['172.16.1.2', 'unroutable'],
    ['192.168.1.2', 'unroutable'],
    ['2001:db8::1234', 'unroutable'],
    ['169.254.1.2', 'unroutable'],
    ['fc00::1234', 'unroutable'],
    ['2001:10::1234', 'unroutable'],
    ['fe80::1234', 'unroutable']
  ])('strict %s -> %s', (ip, expected) => {
    expect(key(ip, true)).toBe(expected)
  })

  it('puts an IPv4-mapped IPv6 address in the group of its IPv4 address', () => {
    expect(key('::ffff:8.8.4.4', true)).toBe('8.8.0.0')
    expect(key('::ffff:8.8.4.4', false)).toBe(key('8.8.4.4', false))
  })

  it('without strict mode local and private addresses fall through to the IP rules', () => {
    expect(key('127.0.0.1', false)).toBe('127.0.0.0')
    expect(key('10.1.2.3', false)).toBe('10.1.0.0')
    expect(key('::1', false)).toBe('::')
  })
})
