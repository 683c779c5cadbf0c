import type { Counter, MetricLabels, MetricOptions, Metrics } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { encodePexAddrs, encodePexRequest, pex, type PexInit } from '../src/index.js'
import { book, FakePeer, FakeSwitch, randomId, someAddr } from './helpers/fakes.js'

/** Counter totals by `name{k=v,…}` (labels sorted), and what each metric declared. */
class CountingMetrics implements Metrics {
  readonly totals = new Map<string, number>()
  readonly declared = new Map<string, readonly string[]>()
  registerCounter(name: string, options?: MetricOptions): Counter {
    this.declared.set(name, options?.labelNames ?? [])
    return {
      increment: (value = 1, labels?: MetricLabels) => {
        // an observation must carry exactly the declared labels
        expect(Object.keys(labels ?? {}).sort(), name).toEqual([...(options?.labelNames ?? [])].sort())
        const key = `${name}${labels === undefined ? '' : `{${Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`}`
        this.totals.set(key, (this.totals.get(key) ?? 0) + value)
      }
    }
  }
  registerGauge(): never {
    throw new Error('PEX registers no gauge')
  }
  get(key: string): number {
    return this.totals.get(key) ?? 0
  }
}

function setup(init: PexInit = {}) {
  const metrics = new CountingMetrics()
  const b = book()
  const reactor = pex({ ensurePeersPeriodMs: 30_000, ...init })({ addrBook: b, metrics })
  const sw = new FakeSwitch(reactor)
  return { reactor, sw, book: b, metrics }
}

describe('PEX metrics', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('count every message by direction and type, and the addresses of an answer by outcome', () => {
    const privateId = randomId()
    const { sw, book, reactor, metrics } = setup({ privatePeerIds: [privateId] })
    const ourId = sw.nodeInfo().id
    const banned = someAddr(9)
    book.addAddress(banned, someAddr(8))
    book.markBad(banned, 60_000)
    // an outbound peer is asked at once (the book is empty)
    const peer = sw.add(new FakePeer({ outbound: true }))
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=sent,type=request}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_requests_sent_total')).toBe(1)
    // asked again while the request is unanswered: skipped
    expect(reactor.requestAddrs(peer)).toBe(false)
    expect(metrics.get('cometbft_p2p_pex_requests_skipped_total{reason=outstanding}')).toBe(1)
    // the answer: 3 good, a private peer, ourselves, a banned one
    const good = [someAddr(1), someAddr(2), someAddr(3)]
    sw.deliver(peer, encodePexAddrs([...good, { id: privateId, ip: '10.9.9.9', port: 1 }, { id: ourId, ip: '10.9.9.8', port: 1 }, banned]))
    expect(sw.stopped).toEqual([])
    expect(good.every((a) => book.has(a))).toBe(true)
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=received,type=addrs}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_addrs_received_total')).toBe(6)
    expect(metrics.get('cometbft_p2p_pex_addrs_accepted_total')).toBe(3)
    expect(metrics.get('cometbft_p2p_pex_addrs_rejected_total{reason=private}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_addrs_rejected_total{reason=ours}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_addrs_rejected_total{reason=banned}')).toBe(1)
    // Go lets a second request through whatever its timing; a third at once would be refused
    // by the remote's rate rule, so we do not send it
    expect(reactor.requestAddrs(peer)).toBe(true)
    sw.deliver(peer, encodePexAddrs([]))
    expect(reactor.requestAddrs(peer)).toBe(false)
    expect(metrics.get('cometbft_p2p_pex_requests_skipped_total{reason=too-soon}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=sent,type=request}')).toBe(2)
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=received,type=addrs}')).toBe(2)
    expect(sw.stopped).toEqual([])
  })

  it('count answered and refused requests, misbehaviour by kind, and undecodable messages', () => {
    const { sw, metrics } = setup()
    const asker = sw.add(new FakePeer({ ip: '1.2.3.4' }))
    for (let i = 0; i < 3; i++) sw.deliver(asker, encodePexRequest())
    // Go's rule: the third request within the interval is too soon; the peer is stopped
    expect(asker.sent).toHaveLength(2)
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=received,type=request}')).toBe(3)
    expect(metrics.get('cometbft_p2p_pex_requests_received_total')).toBe(3)
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=sent,type=addrs}')).toBe(2)
    expect(metrics.get('cometbft_p2p_pex_requests_refused_total{reason=too-soon}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_misbehaviour_total{kind=pex-request-flood}')).toBe(1)

    const pusher = sw.add(new FakePeer({ ip: '1.2.3.5' }))
    sw.deliver(pusher, encodePexAddrs([someAddr(4)]))
    expect(metrics.get('cometbft_p2p_pex_misbehaviour_total{kind=pex-unsolicited-addrs}')).toBe(1)
    // the addresses of an unsolicited answer are not counted as received
    expect(metrics.get('cometbft_p2p_pex_addrs_received_total')).toBe(0)

    const garbler = sw.add(new FakePeer({ ip: '1.2.3.6' }))
    sw.deliver(garbler, Uint8Array.of(0xff, 0xff, 0xff))
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=received,type=invalid}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_misbehaviour_total{kind=bad-message}')).toBe(1)
    expect(sw.stopped.map((s) => s.peer)).toEqual([asker, pusher, garbler])
  })

  it('a seed counts the repeated requests it ignores after its one answer', () => {
    const metrics = new CountingMetrics()
    const reactor = pex({ seedMode: true })({ addrBook: book(), metrics, dialer: { dial: () => Promise.reject(new Error('no')), isDialingOrConnected: () => false } })
    const sw = new FakeSwitch(reactor)
    const peer = sw.add(new FakePeer())
    sw.deliver(peer, encodePexRequest())
    sw.deliver(peer, encodePexRequest())
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=sent,type=addrs}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_requests_refused_total{reason=seed-answered}')).toBe(1)
  })

  it('a message that cannot be queued is counted as a failed send, not as sent', async () => {
    const { sw, metrics } = setup()
    // no room now, and the waiting send gives up (the peer left before the queue had room)
    const peer = new FakePeer({ outbound: true, room: false })
    peer.send = () => Promise.resolve(false)
    sw.add(peer)
    await vi.runAllTimersAsync()
    expect(metrics.get('cometbft_p2p_pex_messages_total{direction=sent,type=request}')).toBe(0)
    expect(metrics.get('cometbft_p2p_pex_send_failed_total{type=request}')).toBe(1)
    expect(metrics.get('cometbft_p2p_pex_requests_sent_total')).toBe(0)
    expect(peer.sent).toEqual([])
  })
})
