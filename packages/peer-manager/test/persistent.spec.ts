import { FakeSwitch } from '@p2p/compliance-tests/peer-manager'
import type { HostResolver, NodeID } from '@p2p/types'
import { describe, expect, it, vi } from 'vitest'
import { peerManager } from '../src/index.js'
import { candidateAddress, entry, loopback, rig, rigsOnFakeTimers } from './helpers.js'

// the ensure loop plays no part here: a long period keeps fake hours cheap
const { open } = rigsOnFakeTimers({ ensurePeersPeriodMs: 30 * 60_000 })

const MINUTE = 60_000
const HOUR = 60 * MINUTE

describe('persistent peers', () => {
  it('are dialled at start and, after a drop, redialled at once (TestSwitchReconnectsToOutboundPersistentPeer 1)', async () => {
    const friend = loopback(2)
    const { sw, manager } = open({ persistentPeers: [entry(friend)], maxOutboundPeers: 0 })
    sw.reachable(friend)
    await manager.start()
    await vi.advanceTimersByTimeAsync(0)
    const first = sw.peers().get(friend.id)
    expect(first?.persistent).toBe(true)
    await vi.advanceTimersByTimeAsync(HOUR)
    sw.disconnect(friend.id, new Error('connection reset'))
    expect(first?.signal.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(0)
    const second = sw.peers().get(friend.id)
    expect(second).toBeDefined()
    expect(second).not.toBe(first)
    expect(sw.peers().size).toBe(1)
  })

  it('a first dial that fails starts the redial loop (TestSwitchReconnectsToOutboundPersistentPeer 2)', async () => {
    const friend = loopback(3)
    const { sw, manager } = open({ persistentPeers: [entry(friend)], maxOutboundPeers: 0 })
    await manager.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(sw.dials.length).toBe(1)
    expect(sw.peers().size).toBe(0)
    sw.reachable(friend)
    await vi.advanceTimersByTimeAsync(5000)
    expect(sw.peers().has(friend.id)).toBe(true)
  })

  it('a persistent peer that dialled us is redialled when it drops (TestSwitchReconnectsToInboundPersistentPeer)', async () => {
    const friend = loopback(4)
    const { sw, manager } = open({ persistentPeers: [entry(friend)], maxOutboundPeers: 0 })
    sw.reachable(friend)
    sw.connectInbound({ ...friend, port: 51234 }, { persistent: true })
    await manager.start()
    await vi.advanceTimersByTimeAsync(HOUR)
    expect(sw.dials.length).toBe(0)
    sw.disconnect(friend.id)
    await vi.advanceTimersByTimeAsync(0)
    expect(sw.dials.map((d) => d.addr)).toEqual([friend])
    expect(sw.peers().get(friend.id)?.outbound).toBe(true)
  })

  it('one down for an hour is reconnected when it returns, and dialled for as long as we run', async () => {
    const friend = loopback(5)
    const { sw, manager } = open({ persistentPeers: [entry(friend)], maxOutboundPeers: 0 })
    await manager.start()
    await vi.advanceTimersByTimeAsync(HOUR)
    const tries = sw.dials.length
    // capped back-off (5 min + jitter): Go would have given up after its fixed schedule
    expect(tries).toBeGreaterThan(12)
    expect(tries).toBeLessThan(40)
    await vi.advanceTimersByTimeAsync(10 * HOUR)
    expect(sw.dials.length).toBeGreaterThan(tries + 100)
    sw.reachable(friend)
    await vi.advanceTimersByTimeAsync(5 * MINUTE + 3000)
    expect(sw.peers().has(friend.id)).toBe(true)
  })

  it('a host name is resolved again on every redial: 127.0.0.2 → 127.0.0.3 (tendermint#1521)', async () => {
    const id = loopback(6).id
    let where = '127.0.0.2'
    const resolve: HostResolver = async (host) => {
      expect(host).toBe('friend.example')
      return [where]
    }
    const { sw, manager } = open({ persistentPeers: [`${id}@friend.example:26656`], maxOutboundPeers: 0, resolve })
    sw.onDial = (a) => (a.ip === '127.0.0.3' ? 'ok' : new Error('connection refused'))
    await manager.start()
    await vi.advanceTimersByTimeAsync(10 * MINUTE)
    expect(sw.peers().size).toBe(0)
    expect(new Set(sw.dials.map((d) => d.addr.ip))).toEqual(new Set(['127.0.0.2']))
    where = '127.0.0.3'
    await vi.advanceTimersByTimeAsync(5 * MINUTE + 3000)
    expect(sw.peers().get(id as NodeID)?.socketAddr.ip).toBe('127.0.0.3')
  })

  it('a failing lookup is retried with back-off, never a crash', async () => {
    const id = loopback(7).id
    let fail = true
    const resolve: HostResolver = async () => {
      if (fail) throw new Error('SERVFAIL')
      return ['127.0.0.7']
    }
    const { sw, manager } = open({ persistentPeers: [`${id}@friend.example:26656`], maxOutboundPeers: 0, resolve })
    sw.reachable(id)
    await manager.start()
    await vi.advanceTimersByTimeAsync(HOUR)
    expect(sw.dials.length).toBe(0)
    fail = false
    await vi.advanceTimersByTimeAsync(5 * MINUTE + 3000)
    expect(sw.peers().has(id as NodeID)).toBe(true)
  })

  it('are never picked from the book by ordinary dialling (cometbft#3522)', async () => {
    const friend = candidateAddress(8)
    const others = Array.from({ length: 3 }, (_, i) => candidateAddress(20 + i))
    const { sw, manager } = open({ persistentPeers: [entry(friend)], maxOutboundPeers: 10, ensurePeersPeriodMs: 5000 }, { addrs: [friend, ...others] })
    sw.reachable(...others)
    await manager.start()
    await vi.advanceTimersByTimeAsync(HOUR)
    const toFriend = sw.dials.filter((d) => d.addr.id === friend.id)
    expect(toFriend.length).toBeGreaterThan(5)
    expect(toFriend.every((d) => d.persistent)).toBe(true)
  })

  it('one that drops us right after each connect backs off instead of redialling in a tight loop', async () => {
    const flapper = loopback(9)
    const { sw, manager } = open({ persistentPeers: [entry(flapper)], maxOutboundPeers: 0 })
    sw.reachable(flapper)
    sw.events.addEventListener('peer:add', (e) => {
      if (e.detail.id === flapper.id) setTimeout(() => sw.disconnect(flapper.id), 10)
    })
    await manager.start()
    // a Go v0.34 node redialled such a peer ~2,900 times in 23 s
    await vi.advanceTimersByTimeAsync(23_000)
    expect(sw.dials.length).toBeLessThanOrEqual(6)
    await vi.advanceTimersByTimeAsync(HOUR)
    expect(sw.dials.length).toBeLessThan(30)
  })

  it('with a maximum dial period, redials never stop and no pause exceeds it (persistent_peers_max_dial_period)', async () => {
    const friend = loopback(12)
    const { sw, manager } = open({ persistentPeers: [entry(friend)], maxOutboundPeers: 0, persistentBackoffMaxMs: 60_000, persistentBackoffJitterMs: 3000 })
    await manager.start()
    await vi.advanceTimersByTimeAsync(6 * HOUR)
    const at = sw.dials.map((d) => d.at)
    expect(at.length).toBeGreaterThan(300)
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    expect(Math.max(...gaps)).toBeLessThanOrEqual(63_000)
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(60_000)
  })

  it('a peer that is both a seed and persistent is warned about', () => {
    const lines: string[] = []
    const log = Object.assign((f: string, ...a: unknown[]) => lines.push([f, ...a].join(' ')), { error: () => {}, trace: () => {}, enabled: true })
    const friend = loopback(13)
    peerManager({ persistentPeers: [entry(friend)], seeds: [entry(friend)] })({ switch: new FakeSwitch(), addrBook: rig().book, logger: { forComponent: () => log } })
    expect(lines.some((l) => l.includes('both a seed and a persistent peer'))).toBe(true)
  })

  it('a stable connection resets the back-off', async () => {
    const friend = loopback(10)
    const { sw, manager } = open({ persistentPeers: [entry(friend)], maxOutboundPeers: 0, flapWindowMs: 10_000 })
    await manager.start()
    await vi.advanceTimersByTimeAsync(HOUR) // many failures: the back-off is at its cap
    sw.reachable(friend)
    await vi.advanceTimersByTimeAsync(5 * MINUTE + 3000)
    expect(sw.peers().has(friend.id)).toBe(true)
    await vi.advanceTimersByTimeAsync(MINUTE)
    sw.disconnect(friend.id)
    await vi.advanceTimersByTimeAsync(0)
    expect(sw.peers().has(friend.id)).toBe(true)
  })

  it('our own ID in the list is never dialled', async () => {
    const sw = new FakeSwitch({ id: loopback(11).id })
    const { manager } = open({ persistentPeers: [entry(loopback(11))], maxOutboundPeers: 0 }, { sw })
    sw.reachable(loopback(11))
    await manager.start()
    await vi.advanceTimersByTimeAsync(HOUR)
    expect(sw.dials.length).toBe(0)
  })
})

describe('peer lists in the configuration', () => {
  it('an entry that does not parse is a ConfigError naming the key and the entry, up front', () => {
    const cases: Array<[Record<string, string[]>, string, string]> = [
      [{ persistentPeers: ['127.0.0.1:26656'] }, 'persistent_peers', '127.0.0.1:26656'],
      [{ persistentPeers: [`${'a'.repeat(40)}@127.0.0.1:99999`] }, 'persistent_peers', '99999'],
      [{ persistentPeers: ['zz@127.0.0.1:1'] }, 'persistent_peers', 'zz@'],
      [{ seeds: [`${'a'.repeat(40)}@:26656`] }, 'seeds', `${'a'.repeat(40)}@:26656`],
      [{ unconditionalPeerIds: ['not-an-id'] }, 'unconditional_peer_ids', 'not-an-id']
    ]
    for (const [init, key, text] of cases) {
      let err: (Error & { key?: string }) | undefined
      try {
        peerManager(init)
      } catch (e) {
        err = e as Error & { key?: string }
      }
      expect(err?.name).toBe('ConfigError')
      expect(err?.key).toBe(key)
      expect(err?.message).toContain(text)
    }
  })

  it('host names are fine at configuration time (resolved on each dial)', () => {
    expect(() => peerManager({ persistentPeers: [`${'a'.repeat(40)}@node.example.com:26656`], seeds: [`tcp://${'b'.repeat(40)}@seed.example.com:26656`] })).not.toThrow()
  })

  it('bad numbers are an InvalidArgumentError', () => {
    expect(() => peerManager({ maxDialsInFlight: 0 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => peerManager({ ensurePeersPeriodMs: -1 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })

  it('TestCheckSeeds: start fails when no seed resolves and there is nothing else to dial; one good seed is enough', async () => {
    const bad = [`${'a'.repeat(40)}@bad.network.addr:26657`, `${'b'.repeat(40)}@anotherbad.network.addr:26657`]
    const resolve: HostResolver = async (host) => {
      if (host.includes('bad')) throw new Error('no such host')
      return ['127.0.0.9']
    }
    const none = open({ seeds: [], resolve })
    await expect(none.manager.start()).resolves.toBeUndefined()
    const failing = open({ seeds: bad, resolve })
    await expect(failing.manager.start()).rejects.toMatchObject({ name: 'ConfigError', key: 'seeds' })
    const good = open({ seeds: [...bad, `${'c'.repeat(40)}@good.example:26657`], resolve })
    await expect(good.manager.start()).resolves.toBeUndefined()
    const withBook = open({ seeds: bad, resolve }, { addrs: [candidateAddress(1)] })
    await expect(withBook.manager.start()).resolves.toBeUndefined()
  })
})
