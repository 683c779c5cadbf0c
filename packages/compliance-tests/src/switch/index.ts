/**
 * The `Switch` compliance suite: the facade reactors see and the admission the peer manager
 * drives. Runs against real connections made by the fixture (any transport), with reactors the
 * suite brings.
 *
 * @example
 * ```ts
 * import suite from '@p2p/compliance-tests/switch'
 *
 * suite({
 *   async setup () {
 *     return {
 *       async create ({ reactors, maxInboundPeers }) {
 *         // build a transport whose NodeInfo announces the reactors' channels, start it,
 *         // build the switch with `maxInboundPeers`, add the reactors, start the switch
 *         return { sw, address: transport.listenAddress(), stop: async () => { await sw.stop(); await transport.stop() } }
 *       }
 *     }
 *   },
 *   async teardown () {}
 * })
 * ```
 */
import type { ChannelDescriptor, Envelope, NetAddress, Peer, PeerRemovedDetail, Reactor, Switch, SwitchFacade } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import type { TestSetup } from '../index.js'

/** One switch a {@link SwitchFixture} made: started, listening, and how to stop it. */
export interface SwitchNode {
  /** Started, with the reactors added. */
  sw: Switch
  /** Where the other nodes of the fixture can dial it. */
  address: NetAddress
  /** Stops the switch and whatever the fixture started for it. */
  stop(): Promise<void>
}

/** What `setup` returns: a factory of started switches that can dial each other (any transport). */
export interface SwitchFixture {
  /**
   * A started switch with `reactors` (its NodeInfo announces their channels), reachable by the
   * other nodes this fixture makes, allowing several peers from one IP.
   */
  create(options: { reactors: Reactor[]; maxInboundPeers?: number }): Promise<SwitchNode>
}

type Call = { kind: 'init' | 'add'; peer: Peer } | { kind: 'remove'; peer: Peer; reason: Error | undefined } | { kind: 'receive'; e: Envelope }

/** A reactor that records its calls; `onReceive` may throw. */
class Recorder implements Reactor {
  readonly calls: Call[] = []
  facade: SwitchFacade | undefined
  stoppedWithPeers: number | undefined
  onReceive: ((e: Envelope) => void) | undefined
  constructor(
    readonly name: string,
    readonly ids: number[]
  ) {}
  channels(): ChannelDescriptor[] {
    return this.ids.map((id) => ({ id, priority: 1, sendQueueCapacity: 100 }))
  }
  attach(sw: SwitchFacade): void {
    this.facade = sw
  }
  start(): void {}
  stop(): void {
    this.stoppedWithPeers ??= this.facade?.peers().size
  }
  initPeer(peer: Peer): void {
    this.calls.push({ kind: 'init', peer })
  }
  addPeer(peer: Peer): void {
    this.calls.push({ kind: 'add', peer })
  }
  removePeer(peer: Peer, reason: Error | undefined): void {
    this.calls.push({ kind: 'remove', peer, reason })
  }
  receive(e: Envelope): void {
    this.calls.push({ kind: 'receive', e })
    this.onReceive?.(e)
  }
  received(): string[] {
    return this.calls.flatMap((c) => (c.kind === 'receive' ? [new TextDecoder().decode(c.e.message)] : []))
  }
}

async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 4000; i++) {
    if (fn()) return
    await new Promise((r) => setTimeout(r, i < 50 ? 0 : 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

/**
 * Registers the `Switch` compliance `describe` block on the switches `setup`'s fixture makes:
 * dialling and admission (one dial per ID, the inbound limit), routing to the reactor owning a
 * channel, peer removal with its reason, graceful stops, reactor errors confined to one peer,
 * and `stop` removing every peer before the reactors stop.
 */
export default function switchSuite(setup: TestSetup<SwitchFixture>): void {
  describe('Switch compliance', () => {
    let fixture: SwitchFixture | undefined
    const nodes: SwitchNode[] = []

    async function node(reactors: Reactor[] = [new Recorder('rec', [0x20, 0x21])], maxInboundPeers?: number): Promise<SwitchNode> {
      fixture ??= await setup.setup()
      const n = await fixture.create({ reactors, ...(maxInboundPeers === undefined ? {} : { maxInboundPeers }) })
      nodes.push(n)
      return n
    }

    async function pair() {
      const ra = new Recorder('rec', [0x20, 0x21])
      const rb = new Recorder('rec', [0x20, 0x21])
      const a = await node([ra])
      const b = await node([rb])
      const peer = await a.sw.dialPeer(b.address)
      await until(() => b.sw.peers().size === 1, 'inbound peer')
      return { a, b, ra, rb, peer, inbound: b.sw.peers().list()[0] as Peer }
    }

    afterEach(async () => {
      await Promise.all(nodes.splice(0).map((n) => n.stop()))
      if (fixture !== undefined) await setup.teardown(fixture)
      fixture = undefined
    })

    it('dials: both sides get the peer, initPeer before addPeer, and a peer:add event', async () => {
      const ra = new Recorder('rec', [0x20])
      const a = await node([ra])
      const b = await node([new Recorder('rec', [0x20])])
      const added: Peer[] = []
      a.sw.events.addEventListener('peer:add', (e) => added.push(e.detail))
      const peer = await a.sw.dialPeer(b.address)
      expect(peer.outbound).toBe(true)
      expect(peer.id).toBe(b.address.id)
      expect(added).toEqual([peer])
      expect(ra.calls.map((c) => c.kind)).toEqual(['init', 'add'])
      expect(a.sw.numPeers()).toEqual({ outbound: 1, inbound: 0 })
      await until(() => b.sw.numPeers().inbound === 1, 'inbound count')
    })

    it('one dial per ID: AlreadyConnectedError while dialling and once connected', async () => {
      const a = await node()
      const b = await node()
      const first = a.sw.dialPeer(b.address)
      expect(a.sw.isDialing(b.address.id)).toBe(true)
      await expect(a.sw.dialPeer(b.address)).rejects.toMatchObject({ name: 'AlreadyConnectedError', state: 'dialing' })
      await first
      expect(a.sw.isDialing(b.address.id)).toBe(false)
      await expect(a.sw.dialPeer(b.address)).rejects.toMatchObject({ name: 'AlreadyConnectedError', state: 'connected' })
    })

    it('routes messages to the reactor owning the channel; broadcast reports each peer', async () => {
      const r1 = new Recorder('one', [0x20])
      const r2 = new Recorder('two', [0x21])
      const a = await node([new Recorder('one', [0x20]), new Recorder('two', [0x21])])
      const b = await node([r1, r2])
      await a.sw.dialPeer(b.address)
      const out = await a.sw.broadcast(0x21, enc('to-two'))
      expect(out.map((o) => o.queued)).toEqual([true])
      await a.sw.broadcast(0x20, enc('to-one'))
      await until(() => r1.received().length === 1 && r2.received().length === 1, 'messages')
      expect(r1.received()).toEqual(['to-one'])
      expect(r2.received()).toEqual(['to-two'])
    })

    it('stopPeer removes the peer with its reason on every reactor; the remote sees it go', async () => {
      const { a, b, ra, peer } = await pair()
      const removed: PeerRemovedDetail[] = []
      a.sw.events.addEventListener('peer:remove', (e) => removed.push(e.detail))
      const reason = new Error('misbehaved')
      // `stopped` is optional; where a peer has it, it agrees with its signal.
      if (peer.stopped !== undefined) expect(peer.stopped).toBe(false)
      a.sw.stopPeer(peer, reason)
      await until(() => removed.length === 1, 'peer:remove')
      expect(removed[0]?.peer).toBe(peer)
      expect(removed[0]?.reason).toBe(reason)
      if (peer.stopped !== undefined) expect(peer.stopped).toBe(true)
      expect(peer.signal.aborted).toBe(true)
      expect(ra.calls.find((c) => c.kind === 'remove')).toMatchObject({ reason })
      expect(a.sw.peers().has(peer.id)).toBe(false)
      await until(() => b.sw.peers().size === 0, 'remote removal')
    })

    it('stopPeerGracefully delivers what was queued first', async () => {
      const { a, rb, peer } = await pair()
      for (let i = 0; i < 10; i++) peer.trySend(0x20, enc(`m${i}`))
      await a.sw.stopPeerGracefully(peer)
      expect(a.sw.peers().size).toBe(0)
      await until(() => rb.received().length === 10, 'flushed')
    })

    it('a reactor throwing in receive stops only that peer, with the error', async () => {
      const bad = new Recorder('rec', [0x20, 0x21])
      const boom = new Error('bug')
      bad.onReceive = () => {
        throw boom
      }
      const hub = await node([bad])
      const x = await node()
      const y = await node()
      const reasons: Array<Error | undefined> = []
      hub.sw.events.addEventListener('peer:remove', (e) => reasons.push(e.detail.reason))
      const px = await x.sw.dialPeer(hub.address)
      await y.sw.dialPeer(hub.address)
      await until(() => hub.sw.peers().size === 2, 'two peers')
      px.trySend(0x20, enc('x'))
      await until(() => reasons.length === 1, 'removal')
      expect(reasons[0]).toBe(boom)
      expect(hub.sw.peers().has(y.address.id)).toBe(true)
    })

    it('a message on a channel no reactor owns removes that peer with a ProtocolError', async () => {
      const a = await node([new Recorder('one', [0x20]), new Recorder('two', [0x21])])
      const b = await node([new Recorder('one', [0x20]), new Recorder('two', [0x21])])
      const reasons: Array<Error | undefined> = []
      b.sw.events.addEventListener('peer:remove', (e) => reasons.push(e.detail.reason))
      const peer = await a.sw.dialPeer(b.address)
      await until(() => b.sw.peers().size === 1, 'inbound')
      b.sw.removeReactor('two')
      peer.trySend(0x21, enc('nobody'))
      await until(() => reasons.length === 1, 'removal')
      expect(reasons[0]?.name).toBe('ProtocolError')
    })

    it('refuses a reactor with channel 256 or a channel already claimed', async () => {
      const a = await node([new Recorder('rec', [0x20])])
      await a.sw.stop()
      expect(() => a.sw.addReactor(new Recorder('big', [256]))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
      expect(() => a.sw.addReactor(new Recorder('dup', [0x20]))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    })

    it('turns away inbound peers over the limit with peer:rejected(too-many-peers)', async () => {
      const a = await node(undefined, 1)
      const rejected: string[] = []
      a.sw.events.addEventListener('peer:rejected', (e) => rejected.push((e.detail.error as { reason?: string }).reason ?? e.detail.error.name))
      const x = await node()
      const y = await node()
      await x.sw.dialPeer(a.address)
      await until(() => a.sw.peers().size === 1, 'first inbound')
      await y.sw.dialPeer(a.address).catch(() => undefined)
      await until(() => rejected.length === 1, 'rejection')
      expect(rejected).toEqual(['too-many-peers'])
      expect(a.sw.peers().size).toBe(1)
    })

    it('stop removes every peer (removePeer on each) before stopping the reactors', async () => {
      const { a, ra, peer } = await pair()
      await a.sw.stop()
      expect(ra.stoppedWithPeers).toBe(0)
      expect(ra.calls.filter((c) => c.kind === 'remove').map((c) => (c as { peer: Peer }).peer)).toEqual([peer])
      expect(peer.signal.aborted).toBe(true)
      await a.sw.stop()
    })
  })
}
