import { FakeSwitch } from '@p2p/compliance-tests/peer-manager'
import { combinePeerFilters, MisbehaviourError, type NodeID, ProtocolError } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { banDurationFor, banList, DEFAULT_BAN_DURATIONS, DefaultBanList, peerManager } from '../src/index.js'
import { bookWith, candidateAddress, rejection } from './helpers.js'

const ID = 'ab'.repeat(20) as NodeID
const raw = (ip: string) => ({ remoteIp: ip, remotePort: 40000, outbound: false })

describe('ban list', () => {
  it('bans node IDs, IPs and CIDR ranges (IPv4, IPv6, IPv4-mapped) from options', () => {
    const bans = banList({ banned: [ID, '1.2.3.4', '10.0.0.0/8', '2001:db8:1::/48', ' 192.168.7.0/24 '] })()
    expect(bans.isBanned({ id: ID })).toBe(true)
    expect(bans.isBanned({ id: ID.toUpperCase() as NodeID })).toBe(true)
    expect(bans.isBanned({ id: 'cd'.repeat(20) as NodeID })).toBe(false)
    expect(bans.isBanned({ ip: '1.2.3.4' })).toBe(true)
    expect(bans.isBanned({ ip: '::ffff:1.2.3.4' })).toBe(true)
    expect(bans.isBanned({ ip: '1.2.3.5' })).toBe(false)
    expect(bans.isBanned({ ip: '10.200.3.4' })).toBe(true)
    expect(bans.isBanned({ ip: '::ffff:10.1.1.1' })).toBe(true)
    expect(bans.isBanned({ ip: '11.0.0.1' })).toBe(false)
    expect(bans.isBanned({ ip: '2001:db8:1:ffff::1' })).toBe(true)
    expect(bans.isBanned({ ip: '2001:db8:2::1' })).toBe(false)
    expect(bans.isBanned({ ip: '192.168.7.200' })).toBe(true)
    expect(bans.isBanned({ ip: '192.168.8.1' })).toBe(false)
    expect(bans.list().every((e) => e.until === Number.POSITIVE_INFINITY)).toBe(true)
  })

  it('an entry that is not an ID, IP or range is a ConfigError naming it', () => {
    for (const bad of ['nonsense', '1.2.3.4/33', '1.2.3/8', 'abc', '2001:db8::/129']) {
      expect(() => banList({ banned: [bad] })).toThrow(expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining(bad) }))
    }
  })

  it('timed bans expire; a shorter ban never cuts a longer one', () => {
    let now = 1000
    const bans = new DefaultBanList({ now: () => now })
    bans.ban({ id: ID }, 60_000, 'test')
    bans.ban({ id: ID }, 1000, 'shorter')
    now += 59_999
    expect(bans.isBanned({ id: ID })).toBe(true)
    now += 1
    expect(bans.isBanned({ id: ID })).toBe(false)
    expect(bans.list()).toEqual([])
    bans.ban({ ip: '5.6.7.8' }, 10, 'x')
    bans.unban({ ip: '5.6.7.8' })
    expect(bans.isBanned({ ip: '5.6.7.8' })).toBe(false)
  })

  it('is bounded: past the cap the ban ending soonest goes; configured bans stay', () => {
    const bans = new DefaultBanList({ maxEntries: 3, banned: ['9.9.9.9'], now: () => 0 })
    for (let i = 1; i <= 5; i++) bans.ban({ ip: `1.1.1.${i}` }, i * 1000, 'flood')
    expect(bans.list().length).toBe(4)
    expect(bans.isBanned({ ip: '1.1.1.1' })).toBe(false)
    expect(bans.isBanned({ ip: '1.1.1.2' })).toBe(false)
    expect(bans.isBanned({ ip: '1.1.1.5' })).toBe(true)
    expect(bans.isBanned({ ip: '9.9.9.9' })).toBe(true)
  })

  it('refuses at the earliest filter stage that knows enough', async () => {
    const bans = banList({ banned: ['6.6.6.6', ID] })()
    // the IP before any handshake
    expect(await bans.denyInboundConnection(raw('6.6.6.6'))).toBe(true)
    expect(await bans.denyInboundConnection(raw('6.6.6.7'))).toBe(false)
    expect(await bans.denyOutboundConnection({ id: 'cd'.repeat(20) as NodeID, ip: '6.6.6.6', port: 1 })).toBe(true)
    // the ID once the handshake proved it
    expect(await bans.denyAuthenticated(ID, raw('7.7.7.7'))).toBe(true)
    expect(await bans.denyAuthenticated('cd'.repeat(20) as NodeID, raw('7.7.7.7'))).toBe(false)
    // and it composes with other filters
    const f = combinePeerFilters(undefined, bans)
    expect(await f.denyInboundConnection?.(raw('6.6.6.6'))).toBe(true)
  })

  it('maps misbehaviour to ban durations by kind, then by error name', () => {
    expect(banDurationFor(new MisbehaviourError('pex-request-flood', 'x'), DEFAULT_BAN_DURATIONS)).toBe(24 * 3600_000)
    expect(banDurationFor(new MisbehaviourError('consensus-bad-vote', 'x'), DEFAULT_BAN_DURATIONS)).toBe(3600_000)
    expect(banDurationFor(new ProtocolError('bad frame'), DEFAULT_BAN_DURATIONS)).toBe(60_000)
    expect(banDurationFor(new Error('eof'), DEFAULT_BAN_DURATIONS)).toBe(0)
    expect(banDurationFor(undefined, DEFAULT_BAN_DURATIONS)).toBe(0)
  })
})

describe('bans in the peer manager', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('bans a peer the switch or PEX removes for misbehaviour, for the duration of its kind, and does not dial it', async () => {
    const bad = candidateAddress(1)
    const noisy = candidateAddress(2)
    const sw = new FakeSwitch()
    const bans = banList()()
    const m = peerManager({ maxOutboundPeers: 0, banDurations: { 'pex-request-flood': 5000 } })({ switch: sw, addrBook: bookWith(), banList: bans })
    await m.start()
    sw.reachable(bad, noisy)
    await m.dial(bad)
    await m.dial(noisy)
    sw.disconnect(bad.id, new MisbehaviourError('pex-request-flood', 'sent next PEX request too soon'))
    sw.disconnect(noisy.id, new ProtocolError('unknown channel 0x77'))
    expect(bans.isBanned(bad)).toBe(true)
    expect(bans.list().find((e) => 'id' in e.target && e.target.id === bad.id)?.reason).toBe('MisbehaviourError pex-request-flood')
    expect((await rejection(m.dial(bad))).reason).toBe('banned')
    await vi.advanceTimersByTimeAsync(5000)
    expect(bans.isBanned(bad)).toBe(false)
    expect(bans.isBanned(noisy)).toBe(true)
    expect((await m.dial(bad)).id).toBe(bad.id)
    await m.stop()
  })

  it('a normal close or a plain error bans nobody; configured peers are never banned', async () => {
    const friend = candidateAddress(3)
    const other = candidateAddress(4)
    const sw = new FakeSwitch()
    const bans = banList()()
    const m = peerManager({ maxOutboundPeers: 0, persistentPeers: [`${friend.id}@${friend.ip}:${friend.port}`], ensurePeersPeriodMs: 3600_000 })({
      switch: sw,
      addrBook: bookWith(),
      banList: bans
    })
    sw.reachable(friend, other)
    await m.start()
    await vi.advanceTimersByTimeAsync(0)
    await m.dial(other)
    sw.disconnect(other.id)
    sw.disconnect(friend.id, new MisbehaviourError('bad-message', 'garbage'))
    expect(bans.list()).toEqual([])
    await m.stop()
  })

  it('the strategy never proposes, and the manager never dials, a banned address', async () => {
    const addrs = Array.from({ length: 6 }, (_, i) => candidateAddress(10 + i))
    const sw = new FakeSwitch()
    sw.reachable(...addrs)
    const bans = banList({ banned: addrs.slice(0, 3).map((a) => a.ip) })()
    const m = peerManager({ maxOutboundPeers: 6, ensurePeersPeriodMs: 1000 })({ switch: sw, addrBook: bookWith(addrs), banList: bans })
    await m.start()
    await vi.advanceTimersByTimeAsync(20_000)
    expect(sw.dials.map((d) => d.addr.id).sort()).toEqual(addrs.slice(3).map((a) => a.id).sort())
    await m.stop()
  })
})
