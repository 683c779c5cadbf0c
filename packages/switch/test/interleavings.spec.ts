import type { NodeID, Peer, PeerFilter } from '@p2p/types'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { p2pSwitch } from '../src/index.js'
import { FakeConnection, FakeTransport } from './fakes.js'
import { type Call, enc, identity, RecordingReactor } from './helpers.js'

const IDS = Array.from({ length: 4 }, () => identity([0x20]).nodeInfo.id)

type Op =
  | { op: 'add'; who: number; outbound: boolean }
  | { op: 'stop'; who: number }
  | { op: 'graceful'; who: number }
  | { op: 'close'; who: number }
  | { op: 'deliver'; who: number }
  | { op: 'tick' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), who: fc.nat(3), outbound: fc.boolean() }),
  fc.record({ op: fc.constant('stop' as const), who: fc.nat(3) }),
  fc.record({ op: fc.constant('graceful' as const), who: fc.nat(3) }),
  fc.record({ op: fc.constant('close' as const), who: fc.nat(3) }),
  fc.record({ op: fc.constant('deliver' as const), who: fc.nat(3) }),
  fc.constant({ op: 'tick' as const })
)

/** A reactor that stops some peers itself, in initPeer or addPeer. */
class Meddler extends RecordingReactor {
  constructor(readonly stopIn: (peer: Peer, phase: 'init' | 'add') => boolean) {
    super('meddler', [0x21])
  }
  override initPeer(p: Peer): void {
    super.initPeer(p)
    if (this.stopIn(p, 'init')) this.facade.stopPeer(p, new Error('init veto'))
  }
  override addPeer(p: Peer): void {
    super.addPeer(p)
    if (this.stopIn(p, 'add')) this.facade.stopPeer(p, new Error('add veto'))
  }
}

/** Every peer object: init, then at most one add, then exactly one remove; nothing after. */
function checkLifecycles(calls: Call[]): void {
  const byPeer = new Map<Peer, string[]>()
  for (const c of calls) {
    const list = byPeer.get(c.peer) ?? []
    list.push(c.kind)
    byPeer.set(c.peer, list)
  }
  for (const kinds of byPeer.values()) {
    expect(kinds.join(' ')).toMatch(/^init( add)?( receive)* remove$/)
  }
}

describe('any interleaving of adds, stops, closes and messages', () => {
  it('keeps one peer per ID, pairs every init with one remove and every peer:add with one peer:remove', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 40 }), fc.integer({ min: 0, max: 7 }), async (ops, vetoMask) => {
        const transport = new FakeTransport()
        transport.start()
        // An async filter, so admissions interleave with everything else.
        const filter: PeerFilter = { denyAuthenticated: async () => false }
        const sw = p2pSwitch({ allowDuplicateIp: true, maxInboundPeers: 3, maxOutboundPeers: 3 })({ transport, nodeInfo: () => identity([0x20]).nodeInfo, peerFilter: filter })
        const plain = new RecordingReactor('plain', [0x20])
        let n = 0
        const meddler = new Meddler((_p, phase) => {
          n++
          return (phase === 'init' ? vetoMask & 1 : vetoMask & 2) !== 0 && n % 3 === 0
        })
        sw.addReactor(plain)
        sw.addReactor(meddler)
        await sw.start()
        const conns = new Map<NodeID, FakeConnection>()
        const pending: Array<Promise<unknown>> = []
        const events: string[] = []
        sw.events.addEventListener('peer:add', (e) => events.push(`add ${e.detail.id}`))
        sw.events.addEventListener('peer:remove', (e) => events.push(`remove ${e.detail.peer.id}`))
        for (const o of ops) {
          if (o.op === 'tick') {
            await new Promise((r) => setTimeout(r, 0))
            continue
          }
          const id = IDS[o.who] as NodeID
          const peer = sw.peers().get(id)
          if (o.op === 'add') {
            const conn = new FakeConnection(o.outbound, { id })
            conns.set(id, conn)
            pending.push(sw.addPeer(conn).catch(() => undefined))
          } else if (o.op === 'stop' && peer !== undefined) sw.stopPeer(peer, new Error('stop'))
          else if (o.op === 'graceful' && peer !== undefined) pending.push(sw.stopPeerGracefully(peer))
          else if (o.op === 'close') conns.get(id)?.handlers?.onClose(new Error('gone'))
          else if (o.op === 'deliver') conns.get(id)?.deliver(0x20, enc('m'))
          expect(new Set(sw.peers().list().map((p) => p.id)).size).toBe(sw.peers().size)
        }
        await Promise.all(pending)
        await sw.stop()
        expect(sw.peers().size).toBe(0)
        checkLifecycles(plain.calls)
        // Per ID, events alternate add/remove, starting with add and ending with remove.
        for (const id of IDS) {
          const mine = events.filter((e) => e.endsWith(id)).map((e) => e.split(' ')[0])
          expect(mine.join(' ')).toMatch(/^(add remove ?)*$/)
        }
      }),
      { numRuns: 100 }
    )
  })
})
