import { combinePeerFilters, type Peer, type PeerRemovedDetail } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dec, enc, FakeAddrBook, handles, identity, MemoryMetrics, Net, RecordingReactor, until } from './helpers.js'

// Go's p2p/switch_test.go and the switch lines of the spec, over the memory transport and
// again over loopback TCP: the lifecycle cases run on both.
describe.each(['memory', 'tcp'] as const)('Switch over %s', (kind) => {
  let net: Net
  let before: string[]
  beforeEach(() => {
    before = handles()
    net = new Net(kind)
  })
  afterEach(async () => {
    await net.stopAll()
    await until(() => handles().length <= before.length, 'handles to close')
  })

  async function pair(o: { a?: RecordingReactor[]; b?: RecordingReactor[] } = {}) {
    const ra = o.a ?? [new RecordingReactor('foo', [0x00, 0x01]), new RecordingReactor('bar', [0x02, 0x03])]
    const rb = o.b ?? [new RecordingReactor('foo', [0x00, 0x01]), new RecordingReactor('bar', [0x02, 0x03])]
    const a = await net.node({ reactors: ra })
    const b = await net.node({ reactors: rb })
    const peer = await a.sw.dialPeer(b.addr())
    await until(() => b.sw.peers().size === 1, 'inbound peer')
    return { a, b, ra, rb, peer, inbound: b.sw.peers().list()[0] as Peer }
  }

  it('TestSwitches: routes broadcasts by channel to the owning reactor', async () => {
    const { a, b, rb } = await pair()
    expect(a.sw.peers().size).toBe(1)
    expect(b.sw.peers().size).toBe(1)
    const outcomes = await Promise.all([a.sw.broadcast(0x00, enc('ch0')), a.sw.broadcast(0x01, enc('ch1')), a.sw.broadcast(0x02, enc('ch2'))])
    for (const o of outcomes) expect(o.map((x) => x.queued)).toEqual([true])
    const [foo, bar] = rb as [RecordingReactor, RecordingReactor]
    await until(() => foo.received().length === 2 && bar.received().length === 1, 'messages')
    expect(foo.received(0x00).map(dec)).toEqual(['ch0'])
    expect(foo.received(0x01).map(dec)).toEqual(['ch1'])
    expect(bar.received(0x02).map(dec)).toEqual(['ch2'])
  })

  it('TestSwitchFullConnectivity: three switches linked pairwise have two peers each', async () => {
    const nodes = await Promise.all([0, 1, 2].map(() => net.node({ reactors: [new RecordingReactor('foo', [0x20])] })))
    const [n0, n1, n2] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]]
    await n0.sw.dialPeer(n1.addr())
    await n1.sw.dialPeer(n2.addr())
    await n2.sw.dialPeer(n0.addr())
    await until(() => nodes.every((n) => n.sw.peers().size === 2), 'full mesh')
  })

  it('TestPeerBasic: outbound peer has the dialled address, the key ID and the flags', async () => {
    const { a, b, peer, inbound } = await pair()
    expect(peer.outbound).toBe(true)
    expect(peer.persistent).toBe(false)
    expect(peer.id).toBe(b.id.nodeKey.id)
    expect(peer.socketAddr).toEqual(b.addr())
    expect(peer.nodeInfo.moniker).toBe(b.id.nodeInfo.moniker)
    expect(inbound.outbound).toBe(false)
    expect(inbound.id).toBe(a.id.nodeKey.id)
    expect(peer.status().connectedAt).toBeGreaterThan(0)
  })

  it('TestPeerSend: send on an announced channel is true, on another false', async () => {
    const { peer } = await pair()
    expect(await peer.send(0x01, new Uint8Array(0))).toBe(true)
    expect(peer.trySend(0x02, enc('x'))).toBe(true)
    expect(await peer.send(0x55, enc('x'))).toBe(false)
    expect(peer.trySend(0x55, enc('x'))).toBe(false)
  })

  it('TestSwitchStopsNonPersistentPeerOnError: a connection closed underneath removes the peer', async () => {
    const { a, b, peer } = await pair()
    const removed: PeerRemovedDetail[] = []
    a.sw.events.addEventListener('peer:remove', (e) => removed.push(e.detail))
    await b.sw.stop()
    await until(() => a.sw.peers().size === 0, 'peer removal')
    expect(peer.signal.aborted).toBe(true)
    expect(removed.map((r) => r.peer)).toEqual([peer])
    expect(await peer.send(0x00, enc('late'))).toBe(false)
  })

  it('TestSwitchStopPeerForError: metrics count the peer once, removal updates them exactly once', async () => {
    const metrics = new MemoryMetrics()
    const a = await net.node({ reactors: [new RecordingReactor('foo', [0x20])], metrics })
    const b = await net.node({ reactors: [new RecordingReactor('foo', [0x20])] })
    const peer = await a.sw.dialPeer(b.addr())
    expect(metrics.get('cometbft_p2p_peers')).toBe(1)
    expect(metrics.get('cometbft_p2p_peers_outbound')).toBe(1)
    expect(await peer.send(0x20, enc('hello'))).toBe(true)
    const removed: Error[] = []
    a.sw.events.addEventListener('peer:remove', (e) => removed.push(e.detail.reason as Error))
    await b.sw.stop()
    const err = new Error('boom')
    a.sw.stopPeer(peer, err)
    a.sw.stopPeer(peer, new Error('again'))
    await until(() => a.sw.peers().size === 0, 'removal')
    await until(() => removed.length > 0, 'event')
    expect(removed).toEqual([err])
    expect(metrics.get('cometbft_p2p_peers')).toBe(0)
    expect(metrics.get('cometbft_p2p_peers_outbound')).toBe(0)
  })

  it('StopPeerGracefully sends what is queued before closing, and reactors see removePeer', async () => {
    const { b, a, ra, rb, peer } = await pair()
    for (let i = 0; i < 20; i++) expect(peer.trySend(0x00, enc(`m${i}`))).toBe(true)
    await a.sw.stopPeerGracefully(peer)
    expect(a.sw.peers().size).toBe(0)
    const foo = rb[0] as RecordingReactor
    await until(() => foo.received(0x00).length === 20, 'flushed messages')
    await until(() => b.sw.peers().size === 0, 'remote removal')
    expect((ra[0] as RecordingReactor).kinds()).toEqual(['init', 'add', 'remove'])
  })

  it('a reactor that throws in receive stops that peer with the error; the switch keeps running', async () => {
    const bad = new RecordingReactor('foo', [0x00])
    const boom = new Error('reactor bug')
    bad.onReceive = () => {
      throw boom
    }
    const b = await net.node({ reactors: [bad] })
    const a = await net.node({ reactors: [new RecordingReactor('foo', [0x00])] })
    const c = await net.node({ reactors: [new RecordingReactor('foo', [0x00])] })
    const reasons: Array<Error | undefined> = []
    b.sw.events.addEventListener('peer:remove', (e) => reasons.push(e.detail.reason))
    const pa = await a.sw.dialPeer(b.addr())
    await c.sw.dialPeer(b.addr())
    await until(() => b.sw.peers().size === 2, 'two peers')
    pa.trySend(0x00, enc('crash'))
    await until(() => reasons.length === 1, 'removal')
    expect(reasons[0]).toBe(boom)
    expect(b.sw.peers().has(c.id.nodeKey.id)).toBe(true)
    expect(b.sw.peers().has(a.id.nodeKey.id)).toBe(false)
  })

  it('a message on a channel no reactor owns stops that peer with a ProtocolError', async () => {
    const { a, b, peer } = await pair()
    const reasons: Array<Error | undefined> = []
    b.sw.events.addEventListener('peer:remove', (e) => reasons.push(e.detail.reason))
    b.sw.removeReactor('bar')
    expect(peer.trySend(0x02, enc('orphan'))).toBe(true)
    await until(() => reasons.length === 1, 'removal')
    expect(reasons[0]?.name).toBe('ProtocolError')
    expect(reasons[0]?.message).toContain('0x02')
    await until(() => a.sw.peers().size === 0, 'remote sees it go')
  })

  it('a peer that vanishes mid-message is removed and the switch goes on', async () => {
    const big = new RecordingReactor('big', [0x30])
    const b = await net.node({ reactors: [big] })
    const a = await net.node({ reactors: [new RecordingReactor('big', [0x30])] })
    const c = await net.node({ reactors: [new RecordingReactor('big', [0x30])] })
    const peer = await a.sw.dialPeer(b.addr())
    await until(() => b.sw.peers().size === 1, 'peer')
    const message = new Uint8Array(4 * 1024 * 1024)
    expect(peer.trySend(0x30, message)).toBe(true)
    // Let some packets out, then drop the whole sender.
    await new Promise((r) => setTimeout(r, 5))
    await a.sw.stop()
    await a.transport.stop()
    await until(() => b.sw.peers().size === 0, 'removal')
    expect(big.received().length).toBeLessThanOrEqual(1)
    const p2 = await c.sw.dialPeer(b.addr())
    expect(p2.id).toBe(b.id.nodeKey.id)
  })

  it('stop() removes every peer before stopping the reactors and leaves no handle', async () => {
    const r = new RecordingReactor('foo', [0x20])
    const order: string[] = []
    const a = await net.node({ reactors: [r] })
    const origStop = r.stop.bind(r)
    r.stop = async () => {
      order.push(`stop with ${a.sw.peers().size} peers, ${r.calls.filter((c) => c.kind === 'remove').length} removed`)
      await origStop()
    }
    const b = await net.node({ reactors: [new RecordingReactor('foo', [0x20])] })
    const c = await net.node({ reactors: [new RecordingReactor('foo', [0x20])] })
    await a.sw.dialPeer(b.addr())
    await a.sw.dialPeer(c.addr())
    await a.sw.stop()
    expect(order).toEqual(['stop with 0 peers, 2 removed'])
    await a.sw.stop() // idempotent
  })

  it('the inbound limit turns extra peers away; unconditional peers come in on top', async () => {
    const extras = await Promise.all([0, 1].map(() => net.node({ reactors: [new RecordingReactor('foo', [0x20])] })))
    const uncond = extras.map((n) => n.id.nodeKey.id)
    const a = await net.node({ reactors: [new RecordingReactor('foo', [0x20])], init: { maxInboundPeers: 2, unconditionalPeerIds: uncond, allowDuplicateIp: true } })
    const rejected: string[] = []
    a.sw.events.addEventListener('peer:rejected', (e) => rejected.push((e.detail.error as { reason?: string }).reason ?? ''))
    const dialers = await Promise.all([0, 1, 2].map(() => net.node({ reactors: [new RecordingReactor('foo', [0x20])], init: { allowDuplicateIp: true } })))
    await dialers[0]?.sw.dialPeer(a.addr())
    await dialers[1]?.sw.dialPeer(a.addr())
    await until(() => a.sw.peers().size === 2, 'two inbound')
    // The third: its side may see the peer briefly, ours refuses it and closes the connection.
    await dialers[2]?.sw.dialPeer(a.addr()).catch(() => undefined)
    await until(() => rejected.length === 1, 'rejection')
    expect(rejected).toEqual(['too-many-peers'])
    await until(() => dialers[2]?.sw.peers().size === 0, 'refused dialler sees the close')
    expect(a.sw.numPeers()).toEqual({ inbound: 2, outbound: 0 })
    for (const e of extras) await e.sw.dialPeer(a.addr())
    await until(() => a.sw.peers().size === 4, 'unconditional peers')
    expect(a.sw.numPeers()).toEqual({ inbound: 2, outbound: 0 })
    expect(a.sw.peers().list().filter((p) => p.unconditional).length).toBe(2)
  })

  it('TestSwitchPeerFilter: filters accept, reject, accept refuse the peer as filtered', async () => {
    const b = await net.node({ reactors: [new RecordingReactor('foo', [0x20])] })
    const a = await net.node({
      reactors: [new RecordingReactor('foo', [0x20])],
      peerFilter: combinePeerFilters({ denyAuthenticated: () => false }, { denyNodeInfo: async () => true }, { denyAuthenticated: () => false })
    })
    const rejected: string[] = []
    a.sw.events.addEventListener('peer:rejected', (e) => rejected.push((e.detail.error as { reason?: string }).reason ?? ''))
    await expect(a.sw.dialPeer(b.addr())).rejects.toMatchObject({ name: 'RejectedError', reason: 'filtered' })
    expect(rejected).toEqual(['filtered'])
    expect(a.sw.peers().size).toBe(0)
    await until(() => b.sw.peers().size === 0, 'remote sees the close')
  })

  it('markGood tells the address book about a successful outbound peer', async () => {
    const book = new FakeAddrBook()
    const b = await net.node({ reactors: [new RecordingReactor('foo', [0x20])] })
    const a = await net.node({ reactors: [new RecordingReactor('foo', [0x20])], addrBook: book })
    expect(book.ours).toEqual([a.addr()])
    await a.sw.dialPeer(b.addr())
    expect(book.good).toEqual([b.addr()])
  })
})

describe('Switch over tcp, admission by IP', () => {
  it('refuses a second peer from one IP unless duplicates are allowed', async () => {
    const before = handles()
    const net = new Net('tcp')
    try {
      const hub = await net.node({ reactors: [new RecordingReactor('foo', [0x20])], init: { allowDuplicateIp: false } })
      const rejected: string[] = []
      hub.sw.events.addEventListener('peer:rejected', (e) => rejected.push((e.detail.error as { reason?: string }).reason ?? ''))
      const x = await net.node({ reactors: [new RecordingReactor('foo', [0x20])] })
      const y = await net.node({ reactors: [new RecordingReactor('foo', [0x20])] })
      // Both dial from 127.0.0.1 (a dial's source address is the kernel's choice).
      await x.sw.dialPeer(hub.addr())
      await until(() => hub.sw.peers().size === 1, 'first')
      await y.sw.dialPeer(hub.addr()).catch(() => undefined)
      await until(() => rejected.length === 1, 'rejection')
      expect(rejected).toEqual(['duplicate-ip'])
      // Dialling out to an IP we already have a peer on is refused before any socket opens.
      const z = await net.node({ reactors: [new RecordingReactor('foo', [0x20])], tcpHost: '127.0.0.1' })
      await expect(hub.sw.dialPeer(z.addr())).rejects.toMatchObject({ name: 'RejectedError', reason: 'duplicate-ip' })
    } finally {
      await net.stopAll()
    }
    await until(() => handles().length <= before.length, 'handles to close')
  })
})

describe('Switch handles after stop with work in flight', () => {
  it('stop() during a dial stuck in the handshake and an inbound handshake settles all, no handle left', async () => {
    const before = handles()
    const { createServer, connect } = await import('node:net')
    // A listener that accepts TCP and never says a word: the dial waits in the secret handshake.
    const held: import('node:net').Socket[] = []
    const mute = createServer((s) => held.push(s))
    await new Promise<void>((r) => mute.listen(0, '127.0.0.9', r))
    const port = (mute.address() as { port: number }).port
    const net = new Net('tcp')
    const a = await net.node({ reactors: [new RecordingReactor('foo', [0x20])] })
    const raw = connect({ host: a.addr().ip, port: a.addr().port })
    await new Promise((r) => raw.once('connect', r))
    const stuck = a.sw.dialPeer({ id: identity([0x20]).nodeInfo.id, ip: '127.0.0.9', port })
    await until(() => held.length === 1, 'mute listener reached')
    await a.sw.stop()
    await expect(stuck).rejects.toMatchObject({ name: 'AbortError' })
    raw.destroy()
    for (const s of held) s.destroy()
    await new Promise((r) => mute.close(r))
    await net.stopAll()
    await until(() => handles().length <= before.length, 'handles to close')
  })
})
