/**
 * The `Reactor` compliance suite: what any reactor must survive inside a switch. Peers come
 * and go in any order, messages arrive for peers already removed, garbage arrives on every
 * channel, and the reactor is stopped with peers still connected; through all of it the
 * reactor never blocks in `receive`, never throws anything but an `Error`, never sends on a
 * channel it does not own, and leaves no timer or socket behind after `stop`.
 *
 * The suite drives the reactor through a fake switch facade and fake peers, so it runs in
 * milliseconds and needs no transport.
 *
 * @example
 * ```ts
 * // test/compliance.spec.ts of a reactor
 * import suite from '@p2p/compliance-tests/reactor'
 * import { EchoReactor } from '../echo-reactor.js'
 *
 * suite({
 *   async setup () { return { reactor: new EchoReactor(), messages: [{ channelId: 0x7e, message: Uint8Array.of(0, 1) }] } },
 *   async teardown () {}
 * })
 * ```
 */
import type { NodeInfo, Reactor } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import type { TestSetup } from '../index.js'
import { FakePeer, FakeSwitch, fakeIdentity } from './fakes.js'

export { FakePeer, FakeSwitch } from './fakes.js'

/** What `setup` returns: a fresh, unattached, unstarted reactor. */
export interface ReactorFixture {
  reactor: Reactor
  /** Well-formed messages the reactor handles (requests it answers, etc.); used on every path. */
  messages?: ReadonlyArray<{ readonly channelId: number; readonly message: Uint8Array }>
  /** The network name in our NodeInfo and the peers' (default `test-chain`). */
  network?: string
}

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function'
}

function handles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Immediate')
}

/** Calls `fn`; an exception must be an `Error` (a reactor may throw to stop a peer). */
function callSafely(fn: () => unknown): unknown {
  try {
    const r = fn()
    expect(isThenable(r), 'reactor callbacks must not return a promise (no awaiting on the read path)').toBe(false)
    return r
  } catch (err) {
    expect(err, 'a reactor may throw only Errors').toBeInstanceOf(Error)
    return undefined
  }
}

function garbage(n: number): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(0), Uint8Array.of(0xff), Uint8Array.of(0x0a, 0x80, 0x80, 0x80, 0x80, 0x10)]
  let x = 0x9e3779b9 + n
  const rnd = new Uint8Array(64)
  for (let i = 0; i < rnd.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    rnd[i] = x >>> 24
  }
  out.push(rnd)
  return out
}

/**
 * Registers the `Reactor` compliance `describe` block for the reactor `setup` returns (see the
 * module's description): it is driven through a fake switch and fake peers, no transport.
 */
export default function reactorSuite(setup: TestSetup<ReactorFixture>): void {
  describe('Reactor compliance', () => {
    let fixture: ReactorFixture | undefined
    let sw: FakeSwitch
    let baseline: string[]
    const unhandled: unknown[] = []
    const onUnhandled = (err: unknown): void => {
      unhandled.push(err)
    }

    async function prepare(start = true): Promise<{ reactor: Reactor; channels: number[]; messages: NonNullable<ReactorFixture['messages']> }> {
      baseline = handles()
      process.on('unhandledRejection', onUnhandled)
      fixture = await setup.setup()
      const reactor = fixture.reactor
      const channels = reactor.channels().map((c) => c.id)
      const { id } = fakeIdentity()
      const info: NodeInfo = {
        protocolVersion: { p2p: 8n, block: 11n, app: 0n },
        id,
        listenAddr: 'tcp://127.0.0.1:26656',
        network: fixture.network ?? 'test-chain',
        version: '0.34.35',
        channels: Uint8Array.from(channels),
        moniker: 'compliance',
        other: { txIndex: 'off', rpcAddress: '' }
      }
      sw = new FakeSwitch(info)
      reactor.attach(sw)
      if (start) await reactor.start?.()
      return { reactor, channels, messages: fixture.messages ?? [] }
    }

    function connect(reactor: Reactor, channels: number[], outbound: boolean): FakePeer {
      const peer = new FakePeer(outbound, channels, fixture?.network)
      callSafely(() => reactor.initPeer?.(peer))
      sw.peerMap.set(peer.id, peer)
      callSafely(() => reactor.addPeer?.(peer))
      return peer
    }

    function disconnect(reactor: Reactor, peer: FakePeer, reason?: Error): void {
      peer.remove(reason)
      callSafely(() => reactor.removePeer?.(peer, reason))
      sw.peerMap.delete(peer.id)
    }

    afterEach(async () => {
      if (fixture !== undefined) {
        await fixture.reactor.stop?.()
        await setup.teardown(fixture)
        fixture = undefined
      }
      // Let the reactor's own stop settle before counting handles.
      await new Promise((r) => setTimeout(r, 0))
      process.off('unhandledRejection', onUnhandled)
      expect(unhandled.splice(0), 'unhandled rejections').toEqual([])
    })

    it('claims valid, distinct channels and has a name', async () => {
      const { reactor, channels } = await prepare(false)
      expect(typeof reactor.name).toBe('string')
      expect(reactor.name.length).toBeGreaterThan(0)
      expect(new Set(channels).size).toBe(channels.length)
      for (const ch of reactor.channels()) {
        expect(Number.isInteger(ch.id) && ch.id >= 0 && ch.id <= 255).toBe(true)
        expect(ch.priority).toBeGreaterThan(0)
      }
    })

    it('survives peers added and removed in any order, inbound and outbound', async () => {
      const { reactor, channels } = await prepare()
      const peers = Array.from({ length: 6 }, (_, i) => connect(reactor, channels, i % 2 === 0))
      for (const i of [3, 0, 5]) disconnect(reactor, peers[i] as FakePeer)
      const more = [connect(reactor, channels, false), connect(reactor, channels, true)]
      for (const i of [1, 4, 2]) disconnect(reactor, peers[i] as FakePeer, new Error('fault'))
      for (const p of more) disconnect(reactor, p)
      // A peer that was only initialised (its admission failed) is removed too.
      const half = new FakePeer(true, channels, fixture?.network)
      callSafely(() => reactor.initPeer?.(half))
      disconnect(reactor, half)
    })

    it('handles its messages from live peers, and never sends on a channel it does not own', async () => {
      const { reactor, channels, messages } = await prepare()
      const peer = connect(reactor, channels, false)
      for (const m of messages) callSafely(() => reactor.receive({ channelId: m.channelId, src: peer, message: m.message }))
      await new Promise((r) => setTimeout(r, 0))
      for (const s of peer.sent) expect(channels).toContain(s.channelId)
      for (const b of sw.broadcasts) expect(channels).toContain(b.channelId)
    })

    it('takes messages for a removed peer without throwing or sending to it', async () => {
      const { reactor, channels, messages } = await prepare()
      const peer = connect(reactor, channels, true)
      disconnect(reactor, peer)
      const before = peer.sent.length
      for (const m of messages) {
        const r = callSafely(() => reactor.receive({ channelId: m.channelId, src: peer, message: m.message }))
        expect(r).toBeUndefined()
      }
      expect(peer.sent.length).toBe(before)
    })

    it('answers garbage on every channel with nothing worse than an Error (which stops that peer)', async () => {
      const { reactor, channels } = await prepare()
      const peer = connect(reactor, channels, false)
      for (const ch of channels) {
        for (const g of garbage(ch)) callSafely(() => reactor.receive({ channelId: ch, src: peer, message: g }))
      }
      for (const s of sw.stopped) if (s.reason !== undefined) expect(s.reason).toBeInstanceOf(Error)
    })

    it('stops with peers connected, leaving no timer or socket; late removals are harmless', async () => {
      const { reactor, channels, messages } = await prepare()
      const peers = [connect(reactor, channels, true), connect(reactor, channels, false)]
      for (const m of messages) callSafely(() => reactor.receive({ channelId: m.channelId, src: peers[0] as FakePeer, message: m.message }))
      await reactor.stop?.()
      for (const p of peers) disconnect(reactor, p)
      await reactor.stop?.() // idempotent
      await new Promise((r) => setTimeout(r, 0))
      expect(handles().length, `handles left: ${handles().join(', ')}`).toBeLessThanOrEqual(baseline.length)
    })
  })
}
