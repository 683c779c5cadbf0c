import { addrBook } from '@p2p/addrbook'
import { MisbehaviourError, type NetAddress } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { decodePexMessage, encodePexAddrs, encodePexRequest, type PexMessage, pex, type PexInit, type PexReactor } from '../src/index.js'
import { book, FakePeer, FakeSwitch, randomId, someAddr } from './helpers/fakes.js'

function setup(init: PexInit = {}, b = book()) {
  const reactor = pex({ ensurePeersPeriodMs: 30_000, ...init })({ addrBook: b })
  const sw = new FakeSwitch(reactor)
  return { reactor, sw, book: b }
}

const sentTo = (peer: FakePeer): PexMessage[] => peer.sent.map((s) => decodePexMessage(s.message))
const addrsMsg = (addrs: NetAddress[]): Uint8Array => encodePexAddrs(addrs)
const reasonOf = (sw: FakeSwitch, peer: FakePeer): MisbehaviourError | undefined =>
  sw.stopped.find((s) => s.peer === peer)?.reason as MisbehaviourError | undefined

describe('PEX reactor (pex_reactor_test.go)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('TestPEXReactorBasic: one channel with Go descriptor 0x00 / priority 1 / queue 10 / 64000 B', () => {
    const { reactor } = setup()
    expect(reactor.name).toBe('PEX')
    expect(reactor.channels()).toEqual([{ id: 0x00, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: 64000 }])
  })

  it('TestPEXReactorAddRemovePeer: inbound adds its self-reported address; outbound does not change the book', () => {
    const { sw, book, reactor } = setup()
    const inbound = sw.add(new FakePeer({ ip: '1.2.3.4', port: 26656 }))
    expect(book.size()).toBe(1)
    expect(book.has(inbound.selfAddr)).toBe(true)
    // The book keeps the self-reported port, not the socket's ephemeral one.
    expect(book.list()[0]).toEqual({ id: inbound.id, ip: '1.2.3.4', port: 26656 })
    sw.stopPeer(inbound, undefined)
    expect(book.size()).toBe(1)
    const outbound = sw.add(new FakePeer({ ip: '1.2.3.5', outbound: true }))
    expect(book.size()).toBe(1)
    sw.stopPeer(outbound, undefined)
    expect(reactor.peerState(outbound.id)).toBeUndefined()
  })

  it('an outbound peer is asked at once when the book needs addresses, not when it is full', () => {
    const needy = setup()
    const p = needy.sw.add(new FakePeer({ outbound: true }))
    expect(sentTo(p)).toEqual([{ type: 'request' }])
    expect(needy.reactor.hasOutstandingRequest(p)).toBe(true)

    const full = setup()
    vi.spyOn(full.book, 'needMoreAddrs').mockReturnValue(false)
    const q = full.sw.add(new FakePeer({ outbound: true }))
    expect(q.sent).toEqual([])
  })

  it('an inbound peer is not asked at once (left to the ensure tick)', () => {
    const { sw } = setup()
    const p = sw.add(new FakePeer())
    expect(p.sent).toEqual([])
  })

  it('TestPEXReactorReceive: a solicited PexAddrs adds its addresses with the peer as source; a request is answered', () => {
    const { sw, book, reactor } = setup()
    const peer = sw.add(new FakePeer({ ip: '1.2.3.4' }))
    const before = book.size()
    expect(reactor.requestAddrs(peer)).toBe(true)
    const other = someAddr(7)
    sw.deliver(peer, addrsMsg([peer.selfAddr, other]))
    expect(book.size()).toBe(before + 1)
    expect(book.has(other)).toBe(true)
    const known = book.knownAddresses().find((k) => k.addr.id === other.id)
    expect(known?.src).toEqual(peer.selfAddr)
    expect(reactor.hasOutstandingRequest(peer)).toBe(false)

    sw.deliver(peer, encodePexRequest())
    expect(sw.stopped).toEqual([])
    const answer = sentTo(peer).at(-1)
    expect(answer?.type).toBe('addrs')
  })

  it('TestPEXReactorRequestMessageAbuse: the third request within the interval stops and bans the peer', () => {
    const { sw, book, reactor } = setup()
    const peer = sw.add(new FakePeer({ ip: '1.2.3.4' }))
    expect(book.has(peer.selfAddr)).toBe(true)
    sw.deliver(peer, encodePexRequest())
    expect(reactor.peerState(peer.id)?.received.count).toBe(1)
    sw.deliver(peer, encodePexRequest())
    expect(reactor.peerState(peer.id)?.received.last).toBe(Date.now())
    expect(sw.stopped).toEqual([])
    vi.advanceTimersByTime(9_999)
    sw.deliver(peer, encodePexRequest())
    const reason = reasonOf(sw, peer)
    expect(reason?.name).toBe('MisbehaviourError')
    expect(reason?.kind).toBe('pex-request-flood')
    expect(reactor.peerState(peer.id)).toBeUndefined()
    expect(book.has(peer.selfAddr)).toBe(false)
    expect(book.isBanned(peer.selfAddr)).toBe(true)
    // Two answers went out, none for the third.
    expect(sentTo(peer).filter((m) => m.type === 'addrs')).toHaveLength(2)
  })

  it('a request at least the interval after the previous one is accepted, for ever', () => {
    const { sw } = setup()
    const peer = sw.add(new FakePeer())
    sw.deliver(peer, encodePexRequest())
    sw.deliver(peer, encodePexRequest())
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(10_000)
      sw.deliver(peer, encodePexRequest())
    }
    expect(sw.stopped).toEqual([])
    expect(sentTo(peer).filter((m) => m.type === 'addrs')).toHaveLength(7)
  })

  it('the interval follows ensurePeersPeriodMs / 3, or minReceiveIntervalMs', () => {
    const a = setup({ ensurePeersPeriodMs: 3_000 })
    expect(a.reactor.config.minReceiveIntervalMs).toBe(1_000)
    const b = setup({ minReceiveIntervalMs: 50 })
    const peer = b.sw.add(new FakePeer())
    b.sw.deliver(peer, encodePexRequest())
    b.sw.deliver(peer, encodePexRequest())
    vi.advanceTimersByTime(50)
    b.sw.deliver(peer, encodePexRequest())
    expect(b.sw.stopped).toEqual([])
  })

  it('TestPEXReactorAddrsMessageAbuse: an answer clears the request; a second, unsolicited one stops and bans', () => {
    const { sw, book, reactor } = setup()
    const peer = sw.add(new FakePeer({ ip: '1.2.3.4' }))
    reactor.requestAddrs(peer)
    expect(reactor.hasOutstandingRequest(peer)).toBe(true)
    sw.deliver(peer, addrsMsg([someAddr(1)]))
    expect(reactor.hasOutstandingRequest(peer)).toBe(false)
    expect(sw.stopped).toEqual([])
    sw.deliver(peer, addrsMsg([someAddr(2)]))
    expect(reasonOf(sw, peer)?.kind).toBe('pex-unsolicited-addrs')
    expect(book.isBanned(peer.selfAddr)).toBe(true)
  })

  it('TestPEXReactorDoesNotAddPrivatePeersToAddrBook: neither through PexAddrs nor as an inbound peer', () => {
    const privateId = randomId()
    const { sw, book, reactor } = setup({ privatePeerIds: [privateId] })
    const peer = sw.add(new FakePeer())
    const size = book.size()
    reactor.requestAddrs(peer)
    sw.deliver(peer, addrsMsg([{ id: privateId, ip: '5.6.7.8', port: 26656 }]))
    expect(book.size()).toBe(size)
    sw.add(new FakePeer({ id: privateId, ip: '5.6.7.9' }))
    expect(book.size()).toBe(size)
    expect(sw.stopped).toEqual([])
  })

  it('addresses learnt from a private peer are not kept', () => {
    const privateId = randomId()
    const { sw, book, reactor } = setup({ privatePeerIds: [privateId] })
    const peer = sw.add(new FakePeer({ id: privateId }))
    reactor.requestAddrs(peer)
    sw.deliver(peer, addrsMsg([someAddr(3)]))
    expect(book.size()).toBe(0)
  })

  it('TestLegacyReactorReceiveBasic: an empty PexAddrs is a valid answer', () => {
    const { sw, reactor } = setup()
    const peer = sw.add(new FakePeer())
    reactor.requestAddrs(peer)
    sw.deliver(peer, addrsMsg([]))
    expect(sw.stopped).toEqual([])
  })

  it('RemovePeer clears both the outstanding request and the request clock', () => {
    const { sw, reactor } = setup()
    const peer = sw.add(new FakePeer({ outbound: true }))
    sw.deliver(peer, encodePexRequest())
    sw.deliver(peer, encodePexRequest())
    expect(reactor.hasOutstandingRequest(peer)).toBe(true)
    sw.stopPeer(peer, undefined)
    expect(reactor.peerState(peer.id)).toBeUndefined()
    // The same node reconnecting starts afresh: two requests pass at once again.
    const again = sw.add(new FakePeer({ id: peer.id, outbound: true }))
    expect(reactor.hasOutstandingRequest(again)).toBe(true)
    sw.deliver(again, encodePexRequest())
    sw.deliver(again, encodePexRequest())
    expect(sw.stopped).toHaveLength(1)
  })

  it('one outstanding request per peer: asking again sends nothing until the answer', () => {
    const { sw, reactor } = setup({ minSendIntervalMs: 0 })
    const peer = sw.add(new FakePeer())
    expect(reactor.requestAddrs(peer)).toBe(true)
    expect(reactor.requestAddrs(peer)).toBe(false)
    expect(sentTo(peer)).toEqual([{ type: 'request' }])
    sw.deliver(peer, addrsMsg([]))
    expect(reactor.requestAddrs(peer)).toBe(true)
    expect(sentTo(peer)).toEqual([{ type: 'request' }, { type: 'request' }])
  })

  it('our own requests keep to the rule a Go node enforces: two at once, then one per interval', () => {
    const { sw, reactor } = setup()
    const peer = sw.add(new FakePeer())
    const ask = (): boolean => {
      const ok = reactor.requestAddrs(peer)
      if (ok) sw.deliver(peer, addrsMsg([]))
      return ok
    }
    expect(ask()).toBe(true)
    expect(ask()).toBe(true)
    expect(ask()).toBe(false)
    vi.advanceTimersByTime(10_999)
    expect(ask()).toBe(false)
    vi.advanceTimersByTime(1)
    expect(ask()).toBe(true)
    expect(ask()).toBe(false)
  })

  it('a request that cannot be queued does not leave a request outstanding', async () => {
    const { sw, reactor } = setup()
    const peer = sw.add(new FakePeer({ room: false }))
    peer.send = async () => false
    reactor.requestAddrs(peer)
    await vi.advanceTimersByTimeAsync(0)
    expect(reactor.hasOutstandingRequest(peer)).toBe(false)
  })

  it("a Go node's answer holds our own address: skipped quietly, the rest kept", () => {
    const { sw, book, reactor } = setup()
    const peer = sw.add(new FakePeer())
    reactor.requestAddrs(peer)
    const ours = { id: sw.info.id, ip: '9.9.9.9', port: 26656 }
    const other = someAddr(4)
    sw.deliver(peer, addrsMsg([ours, other]))
    expect(sw.stopped).toEqual([])
    expect(book.has(ours)).toBe(false)
    expect(book.has(other)).toBe(true)
  })

  it('answers never hold the asker, ours, or a private ID; at most 250 addresses', () => {
    const privateId = randomId()
    const b = book()
    const { sw } = setup({ privatePeerIds: [privateId] }, b)
    const asker = sw.add(new FakePeer({ ip: '1.2.3.4' }))
    // A custom book may hand out more than Go's 250.
    vi.spyOn(b, 'getSelection').mockImplementation(() => [
      asker.selfAddr,
      { id: sw.info.id, ip: '9.9.9.9', port: 26656 },
      { id: privateId, ip: '3.3.3.3', port: 1 },
      ...Array.from({ length: 400 }, (_, i) => someAddr(i))
    ])
    sw.deliver(asker, encodePexRequest())
    const answer = sentTo(asker)[0]
    if (answer?.type !== 'addrs') throw new Error('no answer')
    expect(answer.addrs).toHaveLength(250)
    const ids = answer.addrs.map((a) => a.id)
    expect(ids).not.toContain(asker.id)
    expect(ids).not.toContain(sw.info.id)
    expect(ids).not.toContain(privateId)
  })

  it('a normal node answers with an unbiased selection', () => {
    const b = book()
    const spy = vi.spyOn(b, 'getSelection')
    const { sw } = setup({}, b)
    const peer = sw.add(new FakePeer())
    sw.deliver(peer, encodePexRequest())
    expect(spy).toHaveBeenCalledWith()
  })
})

describe('PEX reactor: the ensure tick', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('first tick jittered within the period, then every period; one random peer asked when the book needs more', async () => {
    const b = book()
    const { sw, reactor } = setup({ random: () => 0.5 }, b)
    const peers = [sw.add(new FakePeer()), sw.add(new FakePeer()), sw.add(new FakePeer())]
    reactor.start()
    await vi.advanceTimersByTimeAsync(14_999)
    expect(peers.flatMap((p) => p.sent)).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    // random() = 0.5 picks the middle peer.
    expect(sentTo(peers[1] as FakePeer)).toEqual([{ type: 'request' }])
    sw.deliver(peers[1] as FakePeer, addrsMsg([]))
    await vi.advanceTimersByTimeAsync(30_000)
    expect(peers.flatMap((p) => p.sent)).toHaveLength(2)
    await reactor.stop()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(peers.flatMap((p) => p.sent)).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('asks nobody when the book has enough, and skips peers with a request outstanding', async () => {
    const b = book()
    const { sw, reactor } = setup({ random: () => 0 }, b)
    const busy = sw.add(new FakePeer({ outbound: true })) // asked on connect: outstanding
    const idle = sw.add(new FakePeer())
    reactor.ensurePeers()
    expect(sentTo(busy)).toHaveLength(1)
    expect(sentTo(idle)).toEqual([{ type: 'request' }])
    sw.deliver(idle, addrsMsg([]))
    vi.spyOn(b, 'needMoreAddrs').mockReturnValue(false)
    reactor.ensurePeers()
    expect(sentTo(idle)).toHaveLength(1)
  })

  it('a Go node asks on connect and again at its first tick: both pass', () => {
    const { sw } = setup()
    const goNode = sw.add(new FakePeer({ outbound: false }))
    sw.deliver(goNode, encodePexRequest())
    vi.advanceTimersByTime(1)
    sw.deliver(goNode, encodePexRequest())
    vi.advanceTimersByTime(30_000)
    sw.deliver(goNode, encodePexRequest())
    expect(sw.stopped).toEqual([])
  })

  it('start before attach throws NotStartedError; start and stop are idempotent', async () => {
    const reactor: PexReactor = pex()({ addrBook: book() })
    expect(() => reactor.start()).toThrow(expect.objectContaining({ name: 'NotStartedError' }))
    new FakeSwitch(reactor)
    reactor.start()
    reactor.start()
    await reactor.stop()
    await reactor.stop()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('PEX reactor: misbehaviour (test-inventory §3.5)', () => {
  it.each([
    ['an unparseable IP', { id: 'a'.repeat(40), ip: '1.2.3', port: 1 }],
    ['a port above 65535', { id: 'a'.repeat(40), ip: '1.2.3.4', port: 70000 }],
    ['a bad ID', { id: 'not-an-id', ip: '1.2.3.4', port: 1 }],
    ['no IP', { id: 'a'.repeat(40), ip: '', port: 1 }],
    ['the unspecified IP', { id: 'a'.repeat(40), ip: '0.0.0.0', port: 1 }]
  ])('a PexAddrs holding %s: stopped (pex-invalid-addr) and banned', (_n, bad) => {
    const { sw, book, reactor } = setup()
    const peer = sw.add(new FakePeer())
    reactor.requestAddrs(peer)
    const good = someAddr(5)
    sw.deliver(peer, encodePexAddrs([good, bad]))
    expect(reasonOf(sw, peer)?.kind).toBe('pex-invalid-addr')
    expect(book.isBanned(peer.selfAddr)).toBe(true)
    // Nothing from a rejected message enters the book.
    expect(book.has(good)).toBe(false)
  })

  it('more than 250 addresses: stopped (pex-too-many-addrs) and banned', () => {
    const { sw, book, reactor } = setup()
    const peer = sw.add(new FakePeer())
    reactor.requestAddrs(peer)
    sw.deliver(peer, encodePexAddrs(Array.from({ length: 251 }, (_, i) => someAddr(i))))
    expect(reasonOf(sw, peer)?.kind).toBe('pex-too-many-addrs')
    expect(book.isBanned(peer.selfAddr)).toBe(true)
    expect(book.size()).toBe(0)
  })

  it.each([
    ['an empty message', ''],
    ['an unknown member', '1a00'],
    ['truncated bytes', '0a'],
    ['garbage', 'ffffffff']
  ])('%s: stopped (bad-message), not banned, never thrown', (_n, hexBytes) => {
    const { sw, book } = setup()
    const peer = sw.add(new FakePeer())
    expect(() => sw.deliver(peer, Uint8Array.from(Buffer.from(hexBytes, 'hex')))).not.toThrow()
    const reason = reasonOf(sw, peer)
    expect(reason).toBeInstanceOf(MisbehaviourError)
    expect(reason?.kind).toBe('bad-message')
    expect(book.isBanned(peer.selfAddr)).toBe(false)
  })

  it('addresses the book refuses (non-routable, loopback, banned, ours) are skipped; the peer stays', () => {
    const b = addrBook({ strict: true })({})
    const reactor = pex()({ addrBook: b })
    const sw = new FakeSwitch(reactor)
    const peer = sw.add(new FakePeer({ ip: '1.2.3.4' }))
    const banned = { id: randomId(), ip: '8.8.4.5', port: 26656 }
    b.addAddress(banned, peer.selfAddr)
    b.markBad(banned, 60_000)
    const ourOther = { id: randomId(), ip: '8.8.4.6', port: 26656 }
    b.addOurAddress(ourOther)
    const routable = { id: randomId(), ip: '8.8.4.4', port: 26656 }
    reactor.requestAddrs(peer)
    sw.deliver(
      peer,
      encodePexAddrs([
        { id: randomId(), ip: '10.0.0.1', port: 26656 },
        { id: randomId(), ip: '127.0.0.1', port: 26656 },
        { id: randomId(), ip: '192.168.1.1', port: 26656 },
        banned,
        ourOther,
        routable
      ])
    )
    expect(sw.stopped).toEqual([])
    expect(b.list().map((a) => a.id).sort()).toEqual([peer.id, routable.id].sort())
  })

  it('messages after the peer was stopped are dropped', () => {
    const { sw, reactor } = setup()
    const peer = sw.add(new FakePeer())
    reactor.requestAddrs(peer)
    sw.deliver(peer, Uint8Array.of(0xff))
    sw.deliver(peer, encodePexAddrs([someAddr(1)]))
    expect(sw.stopped).toHaveLength(1)
  })

  it('a message that arrives between initPeer and addPeer is handled', () => {
    const { sw, reactor } = setup()
    const peer = new FakePeer()
    reactor.initPeer(peer)
    sw.map.set(peer.id, peer)
    sw.deliver(peer, encodePexRequest())
    expect(sentTo(peer)[0]?.type).toBe('addrs')
  })
})
