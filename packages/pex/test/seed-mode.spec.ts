import { AbortError, AuthFailureError, DialError, DialSkippedError, type NetAddress } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { decodePexMessage, encodePexAddrs, encodePexRequest, type PexInit, pex } from '../src/index.js'
import { book, FakeDialer, FakePeer, FakeSwitch, someAddr } from './helpers/fakes.js'

const MIN = 60_000

/** A seed whose dialer connects to every address in `alive` and fails the rest. */
function seed(init: PexInit = {}, alive = new Set<string>()) {
  const b = book()
  let sw: FakeSwitch | undefined
  const dialer = new FakeDialer(async (addr) => {
    if (!alive.has(addr.id)) throw new DialError(`${addr.ip}:${addr.port}`, 'connection refused')
    return (sw as FakeSwitch).add(new FakePeer({ id: addr.id, ip: addr.ip, port: addr.port, outbound: true }))
  })
  const reactor = pex({ seedMode: true, random: () => 0, ...init })({ addrBook: b, dialer })
  sw = new FakeSwitch(reactor)
  const src = { id: sw.info.id, ip: '9.9.9.9', port: 26656 }
  const add = (...addrs: NetAddress[]): void => {
    for (const a of addrs) b.addAddress(a, src)
  }
  return { reactor, sw, book: b, dialer, add, alive }
}

const requests = (p: FakePeer): number => p.sent.filter((s) => decodePexMessage(s.message).type === 'request').length
const answers = (p: FakePeer) =>
  p.sent.map((s) => decodePexMessage(s.message)).flatMap((m) => (m.type === 'addrs' ? [m.addrs.map((a) => a.id)] : []))

describe('seed mode: crawling (pex_reactor_test.go, pex-protocol.md)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('needs a dialer', () => {
    expect(() => pex({ seedMode: true })({ addrBook: book() })).toThrow(expect.objectContaining({ name: 'MissingComponentError' }))
  })

  it('crawls at start, then every 30 s: dials each address one at a time and asks every peer reached', async () => {
    const s = seed()
    const a = someAddr(1)
    const b = someAddr(2)
    s.add(a, b)
    s.alive.add(a.id).add(b.id)
    const inFlight: string[] = []
    let maxInFlight = 0
    const inner = s.dialer.onDial
    ;(s.dialer as { onDial: typeof inner }).onDial = async (addr, signal) => {
      inFlight.push(addr.id)
      maxInFlight = Math.max(maxInFlight, inFlight.length)
      await new Promise((r) => setTimeout(r, 100))
      inFlight.splice(inFlight.indexOf(addr.id), 1)
      return inner(addr, signal)
    }
    s.reactor.start()
    await vi.advanceTimersByTimeAsync(250)
    expect(s.dialer.dialed.map((d) => d.id).sort()).toEqual([a.id, b.id].sort())
    expect(maxInFlight).toBe(1)
    for (const id of [a.id, b.id]) expect(requests(s.sw.map.get(id) as FakePeer)).toBe(1)
    await s.reactor.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('skips addresses crawled less than 2 minutes ago; asks connected peers again after that', async () => {
    const s = seed({ crawlPeriodMs: 30_000 })
    const a = someAddr(1)
    s.add(a)
    s.alive.add(a.id)
    s.reactor.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(s.dialer.dialed).toHaveLength(1)
    const peer = s.sw.map.get(a.id) as FakePeer
    s.sw.deliver(peer, encodePexAddrs([]))
    await vi.advanceTimersByTimeAsync(90_000) // rounds at 30, 60, 90 s: all too soon
    expect(s.dialer.dialed).toHaveLength(1)
    expect(requests(peer)).toBe(1)
    await vi.advanceTimersByTimeAsync(30_000) // 120 s: crawled again; connected, so asked, not dialled
    expect(s.dialer.dialed).toHaveLength(1)
    expect(requests(peer)).toBe(2)
    await s.reactor.stop()
  })

  it('TestPEXReactorDialsPeerUpToMaxAttemptsInSeedMode: after 16 failed dials the address is banned, not dialled', async () => {
    const s = seed()
    const a = someAddr(1)
    s.add(a)
    s.reactor.crawler?.setAttempts(a, 17, Date.now() - 1e9)
    await s.reactor.crawler?.crawl(a, new AbortController().signal)
    expect(s.dialer.dialed).toHaveLength(0)
    expect(s.book.has(a)).toBe(false)
    expect(s.book.isBanned(a)).toBe(true)
  })

  it('TestPEXReactorDialPeer (crawl): a failed dial counts; the next is too early until 2^n s (+ <1 s jitter) passed', async () => {
    const s = seed({ minTimeBetweenCrawlsMs: 0, random: () => 0.5 })
    const a = someAddr(1)
    s.add(a)
    const crawler = s.reactor.crawler!
    const signal = new AbortController().signal
    expect(crawler.attemptsToDial(a)).toBe(0)
    await crawler.crawl(a, signal)
    expect(crawler.attemptsToDial(a)).toBe(1)
    // The book's attempt count is the dialer's to keep (the peer manager's); not counted twice.
    expect(s.book.knownAddresses().find((k) => k.addr.id === a.id)?.attempts).toBe(0)
    await crawler.crawl(a, signal)
    expect(s.dialer.dialed).toHaveLength(1)
    expect(crawler.attemptsToDial(a)).toBe(1)
    vi.advanceTimersByTime(2_499)
    await crawler.crawl(a, signal)
    expect(s.dialer.dialed).toHaveLength(1)
    vi.advanceTimersByTime(1)
    await crawler.crawl(a, signal)
    expect(s.dialer.dialed).toHaveLength(2)
    expect(crawler.attemptsToDial(a)).toBe(2)
    // A success clears the count.
    s.alive.add(a.id)
    vi.advanceTimersByTime(5_000)
    await crawler.crawl(a, signal)
    expect(crawler.attemptsToDial(a)).toBe(0)
  })

  it('a crawl dial that reaches another key (AuthFailureError) bans the address and clears its attempts', async () => {
    const s = seed({ minTimeBetweenCrawlsMs: 0 })
    const a = someAddr(1)
    s.add(a)
    s.reactor.crawler?.setAttempts(a, 3, Date.now() - 1e9)
    ;(s.dialer as { onDial: unknown }).onDial = async () => {
      throw new AuthFailureError(a.id, 'ff'.repeat(20))
    }
    await s.reactor.crawler?.crawl(a, new AbortController().signal)
    expect(s.book.isBanned(a)).toBe(true)
    expect(s.reactor.crawler?.attemptsToDial(a)).toBe(0)
  })

  it('a dial the dialer skips (its back-off, a ban) is neither an attempt nor a sign of death', async () => {
    const s = seed({ minTimeBetweenCrawlsMs: 0 })
    const a = someAddr(1)
    s.add(a)
    s.alive.add(a.id)
    await s.reactor.crawler?.crawl(a, new AbortController().signal)
    s.sw.stopPeer(s.sw.map.get(a.id) as FakePeer, undefined)
    ;(s.dialer as { onDial: unknown }).onDial = async () => {
      throw new DialSkippedError('backoff', `${a.ip}:${a.port}`)
    }
    await s.reactor.crawler?.crawl(a, new AbortController().signal)
    expect(s.reactor.crawler?.attemptsToDial(a)).toBe(0)
    expect(s.reactor.liveness.freshness(a, Date.now())).toBe('verified')
  })

  it('TestPEXReactorSeedMode: peers are hung up on once connected for the disconnect wait', async () => {
    const s = seed({ seedDisconnectWaitMs: 10 })
    const a = someAddr(1)
    s.add(a)
    s.alive.add(a.id)
    await s.reactor.crawler?.crawl(a, new AbortController().signal)
    expect(s.sw.map.size).toBe(1)
    s.reactor.crawler?.attemptDisconnects()
    await vi.advanceTimersByTimeAsync(0)
    expect(s.sw.map.size).toBe(1)
    vi.advanceTimersByTime(11)
    s.reactor.crawler?.attemptDisconnects()
    await vi.advanceTimersByTimeAsync(0)
    expect(s.sw.map.size).toBe(0)
    expect(s.sw.graceful).toHaveLength(1)
  })

  it('TestPEXReactorDoesNotDisconnectFromPersistentPeerInSeedMode', async () => {
    const s = seed({ seedDisconnectWaitMs: 1 })
    s.sw.add(new FakePeer({ outbound: true, persistent: true }))
    vi.advanceTimersByTime(2)
    s.reactor.crawler?.attemptDisconnects()
    await vi.advanceTimersByTimeAsync(0)
    expect(s.sw.map.size).toBe(1)
  })

  it('the default disconnect wait is 28 h', () => {
    expect(seed().reactor.config.seedDisconnectWaitMs).toBe(28 * 60 * MIN)
  })

  it('stop aborts a crawl dial in flight and leaves nothing running', async () => {
    const s = seed()
    const a = someAddr(1)
    s.add(a)
    let aborted = false
    ;(s.dialer as { onDial: unknown }).onDial = (_addr: NetAddress, signal: AbortSignal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true
          reject(new AbortError())
        })
      })
    s.reactor.start()
    await vi.advanceTimersByTimeAsync(0)
    await s.reactor.stop()
    expect(aborted).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a crawl dial is abandoned after crawlDialTimeoutMs', async () => {
    const s = seed({ crawlDialTimeoutMs: 500 })
    const a = someAddr(1)
    s.add(a)
    ;(s.dialer as { onDial: unknown }).onDial = (_addr: NetAddress, signal: AbortSignal) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new AbortError())))
    const done = s.reactor.crawler!.crawl(a, new AbortController().signal)
    await vi.advanceTimersByTimeAsync(500)
    await done
    expect(s.reactor.crawler?.attemptsToDial(a)).toBe(1)
  })
})

describe('seed mode: answering', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('an inbound peer gets one answer biased 30 % new, then a graceful hang-up; later requests are ignored', async () => {
    const s = seed()
    const spy = vi.spyOn(s.book, 'getSelection')
    const peer = s.sw.add(new FakePeer())
    s.sw.deliver(peer, encodePexRequest())
    s.sw.deliver(peer, encodePexRequest())
    s.sw.deliver(peer, encodePexRequest())
    expect(spy).toHaveBeenCalledTimes(1)
    expect(spy).toHaveBeenCalledWith(30)
    await vi.advanceTimersByTimeAsync(0)
    expect(answers(peer)).toHaveLength(1)
    expect(s.sw.graceful).toEqual([peer])
    expect(s.sw.stopped).toEqual([])
  })

  it('the answer is queued before the graceful stop, even when the queue is full at first', async () => {
    const s = seed()
    const peer = s.sw.add(new FakePeer({ room: false }))
    const order: string[] = []
    const send = peer.send.bind(peer)
    peer.send = async (ch, msg) => {
      await new Promise((r) => setTimeout(r, 50))
      order.push('queued')
      return send(ch, msg)
    }
    const graceful = s.sw.stopPeerGracefully.bind(s.sw)
    s.sw.stopPeerGracefully = (p) => {
      order.push('stop')
      return graceful(p)
    }
    s.sw.deliver(peer, encodePexRequest())
    await vi.advanceTimersByTimeAsync(100)
    expect(order).toEqual(['queued', 'stop'])
  })

  it('an outbound peer is answered like a normal node: unbiased, with the rate rule', () => {
    const s = seed()
    const spy = vi.spyOn(s.book, 'getSelection')
    const peer = s.sw.add(new FakePeer({ outbound: true }))
    s.sw.deliver(peer, encodePexRequest())
    expect(spy).toHaveBeenCalledWith()
    s.sw.deliver(peer, encodePexRequest())
    s.sw.deliver(peer, encodePexRequest())
    expect(s.sw.stopped[0]?.reason).toMatchObject({ name: 'MisbehaviourError', kind: 'pex-request-flood' })
  })
})

describe('seed mode, beyond Go: only addresses seen alive recently are served', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  function ask(s: ReturnType<typeof seed>): string[] {
    const asker = s.sw.add(new FakePeer({ ip: '7.7.7.7' }))
    s.sw.deliver(asker, encodePexRequest())
    return answers(asker)[0] ?? []
  }

  it('verified (dialled by us) addresses are served; ones whose last dial failed never are', async () => {
    const s = seed({ minTimeBetweenCrawlsMs: 0 })
    const live = someAddr(1)
    const dead = someAddr(2)
    s.add(live, dead)
    s.alive.add(live.id)
    const signal = new AbortController().signal
    await s.reactor.crawler?.crawl(live, signal)
    await s.reactor.crawler?.crawl(dead, signal)
    expect(ask(s)).toEqual([live.id])
  })

  it('an unverified address is served once reported by 2 distinct peers, not by 1, and not after its dial fails', async () => {
    const s = seed({ minTimeBetweenCrawlsMs: 0 })
    const rumour = someAddr(3)
    const reporters = [s.sw.add(new FakePeer({ ip: '5.5.5.1' })), s.sw.add(new FakePeer({ ip: '5.5.5.2' }))]
    const report = (p: FakePeer): void => {
      s.reactor.requestAddrs(p)
      s.sw.deliver(p, encodePexAddrs([rumour]))
    }
    report(reporters[0] as FakePeer)
    expect(ask(s)).not.toContain(rumour.id)
    report(reporters[0] as FakePeer)
    expect(ask(s)).not.toContain(rumour.id)
    report(reporters[1] as FakePeer)
    expect(ask(s)).toContain(rumour.id)
    await s.reactor.crawler?.crawl(rumour, new AbortController().signal)
    expect(ask(s)).not.toContain(rumour.id)
    // More reports do not bring it back; only a successful dial does.
    vi.advanceTimersByTime(11_000)
    report(reporters[1] as FakePeer)
    expect(ask(s)).not.toContain(rumour.id)
    s.alive.add(rumour.id)
    vi.advanceTimersByTime(5_000)
    await s.reactor.crawler?.crawl(rumour, new AbortController().signal)
    expect(ask(s)).toContain(rumour.id)
  })

  it('nothing is served after the freshness window without a new dial or report', async () => {
    const s = seed({ freshnessWindowMs: 10 * MIN })
    const live = someAddr(1)
    s.add(live)
    s.alive.add(live.id)
    await s.reactor.crawler?.crawl(live, new AbortController().signal)
    vi.advanceTimersByTime(10 * MIN)
    expect(ask(s)).toEqual([live.id])
    vi.advanceTimersByTime(1)
    expect(ask(s)).toEqual([])
  })

  /** A seed that verified `live` by a crawl dial, 9 min ago; the dial's connection is gone. */
  async function verifiedEarlier() {
    const s = seed({ freshnessWindowMs: 10 * MIN, minTimeBetweenCrawlsMs: 0 })
    const live = someAddr(1)
    s.add(live)
    s.alive.add(live.id)
    await s.reactor.crawler?.crawl(live, new AbortController().signal)
    s.sw.stopPeer(s.sw.peers().get(live.id) as FakePeer, undefined)
    vi.advanceTimersByTime(9 * MIN)
    return { s, live }
  }

  it('a verified node that dialled us stays served while connected: the crawl renews it (it cannot dial it)', async () => {
    const { s, live } = await verifiedEarlier()
    // It dials us, claiming the endpoint we verified, and stays connected.
    s.sw.add(new FakePeer({ id: live.id, ip: live.ip, port: live.port }))
    const dialsBefore = s.dialer.dialed.length
    await s.reactor.crawler?.crawl(live, new AbortController().signal)
    expect(s.dialer.dialed).toHaveLength(dialsBefore)
    vi.advanceTimersByTime(5 * MIN)
    expect(ask(s)).toContain(live.id)
    vi.advanceTimersByTime(5 * MIN + 1)
    expect(ask(s)).not.toContain(live.id)
  })

  it('a node listening on 0.0.0.0 renews too when it connects from the verified IP with the verified port', async () => {
    const { s, live } = await verifiedEarlier()
    s.sw.add(new FakePeer({ id: live.id, ip: live.ip, port: live.port, listenAddr: `tcp://0.0.0.0:${live.port}` }))
    await s.reactor.crawler?.crawl(live, new AbortController().signal)
    vi.advanceTimersByTime(5 * MIN)
    expect(ask(s)).toContain(live.id)
  })

  it('a connection from a node renews nothing it did not earn: never verified, another endpoint, or a failed last dial', async () => {
    const s = seed({ freshnessWindowMs: 10 * MIN, minTimeBetweenCrawlsMs: 0 })
    const signal = new AbortController().signal
    const never = someAddr(1)
    const moved = someAddr(2)
    const failed = someAddr(3)
    s.add(never, moved, failed)
    s.alive.add(moved.id)
    await s.reactor.crawler?.crawl(moved, signal)
    s.sw.stopPeer(s.sw.peers().get(moved.id) as FakePeer, undefined)
    s.reactor.liveness.verified(failed, Date.now())
    vi.advanceTimersByTime(1)
    await s.reactor.crawler?.crawl(failed, signal)
    expect(s.reactor.liveness.inspect(failed.id)?.failedAt).toBeGreaterThan(0)
    vi.advanceTimersByTime(9 * MIN)
    s.sw.add(new FakePeer({ id: never.id, ip: never.ip, port: never.port }))
    s.sw.add(new FakePeer({ id: moved.id, ip: '10.99.99.99', port: moved.port, listenAddr: `tcp://0.0.0.0:${moved.port}` }))
    s.sw.add(new FakePeer({ id: failed.id, ip: failed.ip, port: failed.port }))
    for (const a of [never, moved, failed]) await s.reactor.crawler?.crawl(a, signal)
    vi.advanceTimersByTime(2 * MIN)
    expect(ask(s)).toEqual([])
  })

  it('each round re-dials addresses it cannot vouch for, beyond the book selection', async () => {
    const s = seed({ minTimeBetweenCrawlsMs: 0 })
    const many = Array.from({ length: 40 }, (_, i) => someAddr(i + 1))
    s.add(...many)
    vi.spyOn(s.book, 'getSelection').mockReturnValue([])
    const reporter = s.sw.add(new FakePeer({ ip: '5.5.5.1' }))
    s.reactor.requestAddrs(reporter)
    s.sw.deliver(reporter, encodePexAddrs(many))
    await s.reactor.crawler?.round(new AbortController().signal)
    expect(s.dialer.dialed).toHaveLength(40)
  })
})
