import { decodePexMessage, encodePexAddrs, encodePexRequest, PEX_CHANNEL, type PexMessage } from '@p2p/pex'
import { BaseReactor } from '@p2p/switch'
import { type ChannelDescriptor, createNetAddress, type Envelope, type NetAddress, type NodeID, type Peer } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { get } from './observability-fakes.js'
import { type ObservedNode, observedNode, until } from './observability-network.js'

/** A peer that speaks raw PEX: sends what the test tells it and keeps what it receives. */
class RawPex extends BaseReactor {
  readonly name = 'raw-pex'
  readonly got: PexMessage[] = []
  bytes = 0
  channels(): ChannelDescriptor[] {
    return [{ id: PEX_CHANNEL, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: 64_000 }]
  }
  receive(e: Envelope): void {
    this.bytes += e.message.length
    this.got.push(decodePexMessage(e.message))
  }
}

/** The value of `name{labels}` in a Prometheus exposition, whatever the label order; 0 when absent. */
function series(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',')
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z0-9_:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    if ((m[2] ?? '').split(',').filter(Boolean).sort().join(',') === want) return Number(m[3])
  }
  return 0
}

const addr = (i: number): NetAddress => createNetAddress(`${(i % 10).toString()}${'a'.repeat(39)}` as NodeID, `8.8.${i}.1`, 26656)

const nodes: ObservedNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

describe('PEX metrics on a running network, read from /metrics', () => {
  it('count each message by type and direction, the answer by outcome, refusals and misbehaviour by kind', async () => {
    const privateAddr = addr(9)
    const known = [addr(1), addr(2), addr(3), addr(4)]
    // a long ensure period and a late first tick: every request below is one the test causes
    const quiet = { ensurePeersPeriodMs: 60_000, random: () => 0.999 }
    const v = await observedNode(1, { pex: { ...quiet, privatePeerIds: [privateAddr.id] } })
    const b = await observedNode(2, {
      pex: quiet,
      before: (book) => {
        for (const a of [...known, privateAddr]) book.addAddress(a, createNetAddress('f'.repeat(40) as NodeID, '8.8.8.8', 1))
      }
    })
    nodes.push(v, b)
    const metricsOf = async (n: ObservedNode): Promise<string> => (await get(n.port(), '/metrics')).body

    // 1. V dials B; its book is empty, so it asks B at once and keeps B's answer
    await v.sw.dialPeer(b.transport.listenAddress())
    await until(() => known.every((a) => v.book.has(a)), 5000, "B's answer in V's book")
    let vm = await metricsOf(v)
    const bm = await metricsOf(b)
    expect(series(vm, 'cometbft_p2p_pex_messages_total', { direction: 'sent', type: 'request' })).toBe(1)
    expect(series(vm, 'cometbft_p2p_pex_requests_sent_total')).toBe(1)
    expect(series(bm, 'cometbft_p2p_pex_messages_total', { direction: 'received', type: 'request' })).toBe(1)
    expect(series(bm, 'cometbft_p2p_pex_messages_total', { direction: 'sent', type: 'addrs' })).toBe(1)
    expect(series(vm, 'cometbft_p2p_pex_messages_total', { direction: 'received', type: 'addrs' })).toBe(1)
    // B handed out its whole (small) book except V itself: 4 addresses V keeps, 1 private peer it refuses
    expect(series(vm, 'cometbft_p2p_pex_addrs_received_total')).toBe(5)
    expect(series(vm, 'cometbft_p2p_pex_addrs_accepted_total')).toBe(4)
    expect(series(vm, 'cometbft_p2p_pex_addrs_rejected_total', { reason: 'private' })).toBe(1)
    expect(v.book.has(privateAddr)).toBe(false)

    // 2. X asks V three times: Go's rule answers two and stops X at the third (too soon)
    const xRaw = new RawPex()
    const x = await observedNode(3, { reactors: [xRaw] })
    nodes.push(x)
    const toV = await x.sw.dialPeer(v.transport.listenAddress())
    for (let i = 1; i <= 2; i++) {
      expect(toV.trySend(PEX_CHANNEL, encodePexRequest())).toBe(true)
      await until(() => xRaw.got.length === i, 5000, `answer ${i}`)
    }
    expect(toV.trySend(PEX_CHANNEL, encodePexRequest())).toBe(true)
    await until(() => x.sw.peers().size === 0, 5000, 'V hangs up on X')
    // 3. Y sends V an answer nobody asked for; 4. Z sends bytes that are no PEX message
    const yRaw = new RawPex()
    const y = await observedNode(4, { reactors: [yRaw] })
    const zRaw = new RawPex()
    const z = await observedNode(5, { reactors: [zRaw] })
    nodes.push(y, z)
    const yToV = await y.sw.dialPeer(v.transport.listenAddress())
    expect(yToV.trySend(PEX_CHANNEL, encodePexAddrs([addr(5), addr(6)]))).toBe(true)
    const zToV: Peer = await z.sw.dialPeer(v.transport.listenAddress())
    expect(zToV.trySend(PEX_CHANNEL, Uint8Array.of(0xff, 0xff, 0xff))).toBe(true)
    await until(() => y.sw.peers().size === 0 && z.sw.peers().size === 0, 5000, 'V hangs up on Y and Z')

    vm = await metricsOf(v)
    expect(xRaw.got.map((m) => m.type)).toEqual(['addrs', 'addrs'])
    expect(series(vm, 'cometbft_p2p_pex_messages_total', { direction: 'received', type: 'request' })).toBe(3)
    expect(series(vm, 'cometbft_p2p_pex_requests_received_total')).toBe(3)
    expect(series(vm, 'cometbft_p2p_pex_messages_total', { direction: 'sent', type: 'addrs' })).toBe(xRaw.got.length)
    expect(series(vm, 'cometbft_p2p_pex_requests_refused_total', { reason: 'too-soon' })).toBe(1)
    expect(series(vm, 'cometbft_p2p_pex_misbehaviour_total', { kind: 'pex-request-flood' })).toBe(1)
    expect(series(vm, 'cometbft_p2p_pex_messages_total', { direction: 'received', type: 'addrs' })).toBe(2)
    expect(series(vm, 'cometbft_p2p_pex_misbehaviour_total', { kind: 'pex-unsolicited-addrs' })).toBe(1)
    expect(series(vm, 'cometbft_p2p_pex_messages_total', { direction: 'received', type: 'invalid' })).toBe(1)
    expect(series(vm, 'cometbft_p2p_pex_misbehaviour_total', { kind: 'bad-message' })).toBe(1)
    // the unsolicited addresses were neither counted as received nor kept
    expect(series(vm, 'cometbft_p2p_pex_addrs_received_total')).toBe(5)
    expect(v.book.has(addr(5)) || v.book.has(addr(6))).toBe(false)
    // V sent one request in all; every misbehaving peer shows as removed with its kind
    expect(series(vm, 'cometbft_p2p_pex_messages_total', { direction: 'sent', type: 'request' })).toBe(1)
    for (const kind of ['pex-request-flood', 'pex-unsolicited-addrs', 'bad-message']) {
      expect(series(vm, 'cometbft_p2p_peers_removed_total', { direction: 'inbound', reason: `MisbehaviourError:${kind}` }), kind).toBe(1)
    }

    // Go's per-message-type series, with Go's label values (the switch's: batched, so read after
    // the stops that flush them). V received X's 3 requests, B's answer and Y's unsolicited one,
    // and Z's bytes that are no PEX message as unknown; it sent one request and 2 answers to X.
    await v.sw.stop()
    await b.sw.stop()
    const [vt, bt] = [await v.metrics.expose(), await b.metrics.expose()]
    const typed = (text: string, dir: 'receive' | 'send', type: string): number => series(text, `cometbft_p2p_message_${dir}_bytes_total`, { message_type: type })
    const request = encodePexRequest().length
    expect(typed(vt, 'receive', 'p2p_PexRequest')).toBe(3 * request)
    expect(typed(bt, 'send', 'p2p_PexAddrs')).toBeGreaterThan(0)
    expect(typed(vt, 'receive', 'p2p_PexAddrs')).toBe(typed(bt, 'send', 'p2p_PexAddrs') + encodePexAddrs([addr(5), addr(6)]).length)
    expect(typed(vt, 'receive', 'unknown')).toBe(3)
    expect(typed(vt, 'send', 'p2p_PexRequest')).toBe(request)
    expect(typed(bt, 'receive', 'p2p_PexRequest')).toBe(request)
    expect(typed(vt, 'send', 'p2p_PexAddrs')).toBe(xRaw.bytes)
    expect(typed(vt, 'send', 'unknown')).toBe(0)
  })
})
