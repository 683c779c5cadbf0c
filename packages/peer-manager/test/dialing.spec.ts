import { FakeSwitch } from '@p2p/compliance-tests/peer-manager'
import { AuthFailureError, DialError, type NetAddress, NodeInfoError, RejectedError } from '@p2p/types'
import { describe, expect, it, vi } from 'vitest'
import { DialHistory } from '../src/dial-history.js'
import { peerManager } from '../src/index.js'
import { bookWith, candidateAddress, entry, rejection, rigsOnFakeTimers } from './helpers.js'

const { open, track } = rigsOnFakeTimers()

describe('dial back-off (Go dialPeer)', () => {
  it('TestPEXReactorDialPeer: a failed dial counts, an early redial is skipped, after 3 s it is tried again', async () => {
    const dead = candidateAddress(1)
    const { sw, manager } = open({ maxOutboundPeers: 0 })
    await manager.start()
    expect(manager.dialAttempts(dead)).toBe(0)
    expect((await rejection(manager.dial(dead))).name).toBe('DialError')
    expect(manager.dialAttempts(dead)).toBe(1)
    const early = await rejection(manager.dial(dead))
    expect(early.name).toBe('DialSkippedError')
    expect(early.reason).toBe('backoff')
    expect(manager.dialAttempts(dead)).toBe(1)
    expect(sw.dials.length).toBe(1)
    await vi.advanceTimersByTimeAsync(3000)
    expect((await rejection(manager.dial(dead))).name).toBe('DialError')
    expect(manager.dialAttempts(dead)).toBe(2)
    expect(sw.dials.length).toBe(2)
  })

  it('back-off is 2^attempts s + [0, 1 s) jitter', () => {
    let t = 0
    const h = new DialHistory(
      { maxAttempts: 16, baseMs: 1000, jitterMs: 1000, maxBackoffMs: 3_600_000, minRedialMs: 0, maxEntries: 10 },
      () => t,
      () => 0.5
    )
    const a = candidateAddress(1)
    for (const [n, wait] of [
      [1, 2500],
      [2, 4500],
      [3, 8500],
      [5, 32_500]
    ] as const) {
      while (h.attempts(a) < n) {
        h.started(a)
        h.failed(a)
      }
      expect(h.check(a).ok).toBe(false)
      t += wait - 1
      expect(h.check(a).ok).toBe(false)
      t += 1
      expect(h.check(a).ok).toBe(true)
    }
  })

  it('bounds its memory: the oldest record goes first', () => {
    const h = new DialHistory({ maxAttempts: 16, baseMs: 1000, jitterMs: 0, maxBackoffMs: 1e9, minRedialMs: 0, maxEntries: 3 }, () => 0, () => 0)
    for (let i = 1; i <= 5; i++) h.failed(candidateAddress(i))
    expect(h.size).toBe(3)
    expect(h.attempts(candidateAddress(1))).toBe(0)
    expect(h.attempts(candidateAddress(5))).toBe(1)
  })

  it('after 16 failed attempts the address is marked bad and not dialled (persistent peers never are)', async () => {
    const dead = candidateAddress(2)
    const { sw, book, manager } = open({ maxOutboundPeers: 0, maxDialAttempts: 16, dialBackoffMaxMs: 1000 }, { addrs: [dead] })
    const bad = vi.spyOn(book, 'markBad')
    await manager.start()
    for (let i = 0; i < 17; i++) {
      expect((await rejection(manager.dial(dead))).name).toBe('DialError')
      await vi.advanceTimersByTimeAsync(2100)
    }
    expect(manager.dialAttempts(dead)).toBe(17)
    const last = await rejection(manager.dial(dead))
    expect(last).toMatchObject({ name: 'DialSkippedError', reason: 'max-attempts' })
    expect(bad).toHaveBeenCalledWith(dead, 24 * 3600_000)
    expect(book.has(dead)).toBe(false)
    expect(sw.dials.length).toBe(17)
  })

  it('a persistent peer is never marked bad however often it fails', async () => {
    const friend = candidateAddress(3)
    const { sw, book, manager } = open({ maxOutboundPeers: 0, persistentPeers: [entry(friend)], persistentBackoffMaxMs: 2000 }, { addrs: [friend] })
    const bad = vi.spyOn(book, 'markBad')
    await manager.start()
    await vi.advanceTimersByTimeAsync(5 * 60_000)
    expect(sw.dials.filter((d) => d.addr.id === friend.id).length).toBeGreaterThan(40)
    expect(bad).not.toHaveBeenCalled()
  })

  it('an authentication failure marks the address bad and clears its attempts', async () => {
    const liar = candidateAddress(4)
    const { sw, book, manager } = open({ maxOutboundPeers: 0 }, { addrs: [liar] })
    sw.onDial = () => new AuthFailureError(liar.id, candidateAddress(5).id)
    const bad = vi.spyOn(book, 'markBad')
    await manager.start()
    expect((await rejection(manager.dial(liar))).name).toBe('AuthFailureError')
    expect(bad).toHaveBeenCalledWith(liar, 24 * 3600_000)
    expect(manager.dialAttempts(liar)).toBe(0)
  })

  it('"already dialling or connected" is not a failed attempt', async () => {
    const a = candidateAddress(6)
    const { sw, book, manager } = open({ maxOutboundPeers: 0 }, { addrs: [a] })
    const attempt = vi.spyOn(book, 'markAttempt')
    sw.onDial = () => new RejectedError('duplicate-id', 'already connected')
    await manager.start()
    await rejection(manager.dial(a))
    sw.onDial = undefined
    sw.connectInbound(a)
    expect((await rejection(manager.dial(a))).name).toBe('AlreadyConnectedError')
    expect(manager.dialAttempts(a)).toBe(0)
    expect(attempt).not.toHaveBeenCalled()
  })

  it('a peer on another network or chain is marked bad, not redialled for ever (tendermint#6604)', async () => {
    const other = candidateAddress(7)
    const next = candidateAddress(8)
    const { sw, book, manager } = open({ maxOutboundPeers: 1 }, { addrs: [other] })
    const bad = vi.spyOn(book, 'markBad')
    sw.onDial = (a) => (a.id === other.id ? new RejectedError('incompatible', 'peer is on network mainnet, we are on testing') : 'ok')
    await manager.start()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(sw.dials.filter((d) => d.addr.id === other.id).length).toBe(1)
    expect(bad).toHaveBeenCalledWith(other, 24 * 3600_000)
    expect(book.has(other)).toBe(false)
    // the NodeInfoError a transport may throw for a network mismatch counts the same
    book.addAddress(next, other)
    sw.onDial = () => new NodeInfoError('network', 'different network')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(sw.dials.filter((d) => d.addr.id === next.id).length).toBe(1)
    expect(book.has(next)).toBe(false)
  })

  it('our own address, found by a "self" rejection, never enters the book or a dial again', async () => {
    const me = candidateAddress(9)
    const { sw, book, manager } = open({ maxOutboundPeers: 2 }, { addrs: [me] })
    sw.onDial = () => new RejectedError('self', 'connected to ourselves')
    await manager.start()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(sw.dials.length).toBe(1)
    expect(book.isOurAddress(me)).toBe(true)
    expect(() => book.addAddress(me, candidateAddress(10))).toThrow()
    expect(book.has(me)).toBe(false)
    expect((await rejection(manager.dial(me))).reason).toBe('self')
  })

  it('an inbound peer of another network is marked bad in the book', async () => {
    const other = candidateAddress(11)
    const { sw, book, manager } = open({ maxOutboundPeers: 0 }, { addrs: [other] })
    await manager.start()
    sw.events.emit('peer:rejected', { addr: other, outbound: false, error: new RejectedError('incompatible', 'wrong chain') })
    expect(book.has(other)).toBe(false)
  })
})

describe('dial scheduler', () => {
  it('caps dials in flight over every caller, and queues dial() callers', async () => {
    const { sw, manager } = open({ maxOutboundPeers: 0, maxDialsInFlight: 3 })
    const gates: Array<() => void> = []
    sw.onDial = () =>
      new Promise<'ok'>((resolve) => {
        gates.push(() => resolve('ok'))
      })
    await manager.start()
    const targets = Array.from({ length: 7 }, (_, i) => candidateAddress(100 + i))
    const dials = targets.map((a) => manager.dial(a))
    await vi.advanceTimersByTimeAsync(0)
    expect(sw.dialing.size).toBe(3)
    expect(manager.dialsInFlight()).toBe(3)
    while (gates.length > 0) {
      gates.shift()!()
      await vi.advanceTimersByTimeAsync(0)
      expect(sw.dialing.size).toBeLessThanOrEqual(3)
    }
    await vi.advanceTimersByTimeAsync(0)
    while (gates.length > 0) {
      gates.shift()!()
      await vi.advanceTimersByTimeAsync(0)
    }
    const peers = await Promise.all(dials)
    expect(peers.map((p) => p.id)).toEqual(targets.map((a) => a.id))
    expect(sw.maxDialsSeen).toBe(3)
  })

  it('one dial per ID: a second dial while the first runs is AlreadyConnectedError (dialing)', async () => {
    const { sw, manager } = open({ maxOutboundPeers: 0 })
    sw.onDial = () => new Promise<'ok'>((r) => setTimeout(() => r('ok'), 100))
    await manager.start()
    const a = candidateAddress(20)
    const first = manager.dial(a)
    await vi.advanceTimersByTimeAsync(0)
    expect(manager.isDialingOrConnected(a)).toBe(true)
    expect(await rejection(manager.dial(a))).toMatchObject({ name: 'AlreadyConnectedError', state: 'dialing' })
    await vi.advanceTimersByTimeAsync(100)
    expect((await first).id).toBe(a.id)
  })

  it('a short redial history: an address that just connected and dropped is not dialled again at once', async () => {
    const a = candidateAddress(21)
    const { sw, manager } = open({ maxOutboundPeers: 0, minRedialIntervalMs: 2000 })
    sw.reachable(a)
    await manager.start()
    await manager.dial(a)
    sw.disconnect(a.id)
    expect(await rejection(manager.dial(a))).toMatchObject({ name: 'DialSkippedError', reason: 'backoff' })
    await vi.advanceTimersByTimeAsync(2000)
    expect((await manager.dial(a)).id).toBe(a.id)
  })

  it('every dial is cancellable by its caller', async () => {
    const { sw, manager } = open({ maxOutboundPeers: 0 })
    sw.onDial = () => new Promise<never>(() => {})
    await manager.start()
    const controller = new AbortController()
    const p = manager.dial(candidateAddress(22), { signal: controller.signal })
    await vi.advanceTimersByTimeAsync(0)
    expect(sw.dialing.size).toBe(1)
    controller.abort()
    expect((await rejection(p)).name).toBe('AbortError')
    expect(sw.dialing.size).toBe(0)
    // an aborted dial is not the address's fault
    expect(manager.dialAttempts(candidateAddress(22))).toBe(0)
  })

  it('stop aborts dials and waiting callers and leaves nothing running', async () => {
    const { sw, manager } = open({ maxOutboundPeers: 0, maxDialsInFlight: 1 })
    sw.onDial = () => new Promise<never>(() => {})
    await manager.start()
    const running = manager.dial(candidateAddress(23))
    const waiting = manager.dial(candidateAddress(24))
    await vi.advanceTimersByTimeAsync(0)
    await manager.stop()
    expect((await rejection(running)).name).toBe('AbortError')
    expect((await rejection(waiting)).name).toBe('DialSkippedError')
    expect(sw.dialing.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
    expect((await rejection(manager.dial(candidateAddress(25)))).reason).toBe('stopped')
  })

  it('refuses dials past the queue bound', async () => {
    const { sw, manager } = open({ maxOutboundPeers: 0, maxDialsInFlight: 1, maxQueuedDials: 1 })
    sw.onDial = () => new Promise<never>(() => {})
    await manager.start()
    const held: Array<Promise<unknown>> = [manager.dial(candidateAddress(30)), manager.dial(candidateAddress(31))]
    for (const p of held) p.catch(() => {})
    await vi.advanceTimersByTimeAsync(0)
    expect(await rejection(manager.dial(candidateAddress(32)))).toMatchObject({ name: 'DialSkippedError', reason: 'queue-full' })
  })

  it('dial errors other than those above count as attempts in the book', async () => {
    const a: NetAddress = candidateAddress(40)
    const { sw, book, manager } = open({ maxOutboundPeers: 0 }, { addrs: [a] })
    const attempt = vi.spyOn(book, 'markAttempt')
    sw.onDial = () => new DialError('x', 'refused')
    await manager.start()
    await rejection(manager.dial(a))
    expect(attempt).toHaveBeenCalledWith(a)
  })
})

describe('metrics', () => {
  it('counts dials by outcome and reports dials in flight', async () => {
    const values = new Map<string, number>()
    const metrics = {
      registerCounter: (name: string) => ({
        increment: (v = 1, labels?: Record<string, string>) => values.set(`${name}:${labels?.result}`, (values.get(`${name}:${labels?.result}`) ?? 0) + v)
      }),
      registerGauge: (name: string) => ({ set: (v: number) => values.set(name, v), increment: () => {}, decrement: () => {} })
    }
    const ok = candidateAddress(70)
    const dead = candidateAddress(71)
    const sw = new FakeSwitch()
    sw.reachable(ok)
    const m = peerManager({ maxOutboundPeers: 0 })({ switch: sw, addrBook: bookWith(), metrics })
    track({ sw, book: bookWith(), manager: m })
    await m.start()
    await m.dial(ok)
    await rejection(m.dial(dead))
    await rejection(m.dial(dead))
    await rejection(m.dial(ok))
    const c = 'cometbft_p2p_peer_manager_dials_total'
    expect([values.get(`${c}:ok`), values.get(`${c}:failed`), values.get(`${c}:skipped`)]).toEqual([1, 1, 2])
    expect(values.get('cometbft_p2p_peer_manager_dials_in_flight')).toBe(0)
  })
})

describe('unconditional peers', () => {
  it('are dialled as unconditional and do not count against the outbound target', async () => {
    const vip = candidateAddress(50)
    const sw = new FakeSwitch()
    const others = Array.from({ length: 5 }, (_, i) => candidateAddress(60 + i))
    const { manager } = open({ maxOutboundPeers: 2, unconditionalPeerIds: [vip.id], persistentPeers: [entry(vip)] }, { addrs: others, sw })
    sw.reachable(vip, ...others)
    await manager.start()
    await vi.advanceTimersByTimeAsync(5000)
    expect(sw.peers().get(vip.id)?.unconditional).toBe(true)
    expect(sw.numPeers().outbound).toBe(2)
    expect(sw.peers().size).toBe(3)
  })
})
