import { describe, expect, it } from 'vitest'
import { MapPeerSet, SwitchPeer } from '../src/index.js'
import { FakeConnection } from './fakes.js'

function peer(ip?: string): SwitchPeer {
  const conn = new FakeConnection(false, ip === undefined ? {} : { ip })
  return new SwitchPeer({ conn, persistent: false, unconditional: false, socketAddr: conn.remoteAddr, metrics: undefined })
}

// Go's p2p/peer_set_test.go.
describe('MapPeerSet', () => {
  it('TestPeerSetAddRemoveOne: removal is true once, then false and changes nothing', () => {
    const set = new MapPeerSet<SwitchPeer>()
    const peers = Array.from({ length: 5 }, () => peer())
    for (const p of peers) set.add(p)
    for (const [i, p] of peers.entries()) {
      expect(set.remove(p)).toBe(true)
      expect(set.has(p.id)).toBe(false)
      expect(set.size).toBe(peers.length - i - 1)
      expect(set.remove(p)).toBe(false)
      expect(set.remove(p)).toBe(false)
      expect(set.size).toBe(peers.length - i - 1)
    }
    for (const p of peers) set.add(p)
    for (let i = peers.length - 1; i >= 0; i--) {
      expect(set.remove(peers[i] as SwitchPeer)).toBe(true)
      expect(set.size).toBe(i)
    }
  })

  it('TestPeerSetAddRemoveMany: 100 peers in and out', () => {
    const set = new MapPeerSet<SwitchPeer>()
    const peers = Array.from({ length: 100 }, () => peer())
    for (const [i, p] of peers.entries()) {
      set.add(p)
      expect(set.size).toBe(i + 1)
    }
    for (const [i, p] of peers.entries()) {
      expect(set.remove(p)).toBe(true)
      expect(set.has(p.id)).toBe(false)
      expect(set.size).toBe(100 - i - 1)
    }
  })

  it('TestPeerSetAddDuplicate: one entry per ID, the others are duplicate-id', () => {
    const set = new MapPeerSet<SwitchPeer>()
    const p = peer()
    const outcomes = Array.from({ length: 20 }, () => {
      try {
        set.add(p)
        return 'ok'
      } catch (err) {
        return (err as { reason: string }).reason
      }
    })
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'duplicate-id')).toHaveLength(19)
    expect(set.size).toBe(1)
  })

  it('TestPeerSetGet: unknown is undefined, known is the same object every time', () => {
    const set = new MapPeerSet<SwitchPeer>()
    const p = peer()
    expect(set.get(p.id)).toBeUndefined()
    set.add(p)
    for (let i = 0; i < 10; i++) expect(set.get(p.id)).toBe(p)
  })

  it('hasIp counts peers per IP and removes only another object with the same ID as false', () => {
    const set = new MapPeerSet<SwitchPeer>()
    const a = peer('10.7.7.7')
    const b = peer('10.7.7.7')
    set.add(a)
    set.add(b)
    expect(set.hasIp('10.7.7.7')).toBe(true)
    set.remove(a)
    expect(set.hasIp('10.7.7.7')).toBe(true)
    set.remove(b)
    expect(set.hasIp('10.7.7.7')).toBe(false)
    set.add(a)
    const impostor = new SwitchPeer({ conn: a.conn, persistent: false, unconditional: false, socketAddr: a.socketAddr, metrics: undefined })
    expect(set.remove(impostor)).toBe(false)
    expect(set.get(a.id)).toBe(a)
  })
})
