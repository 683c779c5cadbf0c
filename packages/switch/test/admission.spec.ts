import { type Envelope, type NodeID, type Peer, type PeerFilter, peerDataKey, RejectedError, type Switch } from '@p2p/types'
import { format } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BaseReactor, p2pSwitch, type SwitchInit } from '../src/index.js'
import { FakeConnection, FakeTransport } from './fakes.js'
import { enc, FakeAddrBook, identity, MemoryMetrics, RecordingReactor, until } from './helpers.js'

const ours = identity([0x20, 0x21])
const switches: Switch[] = []

async function make(o: { init?: SwitchInit; reactors?: BaseReactor[]; peerFilter?: PeerFilter; addrBook?: FakeAddrBook; metrics?: MemoryMetrics; start?: boolean } = {}) {
  const transport = new FakeTransport()
  transport.start()
  const sw = p2pSwitch({ allowDuplicateIp: true, ...o.init })({
    transport,
    nodeInfo: () => ours.nodeInfo,
    ...(o.peerFilter === undefined ? {} : { peerFilter: o.peerFilter }),
    ...(o.addrBook === undefined ? {} : { addrBook: o.addrBook }),
    ...(o.metrics === undefined ? {} : { metrics: o.metrics })
  })
  const reactors = o.reactors ?? [new RecordingReactor('rec', [0x20, 0x21])]
  for (const r of reactors) sw.addReactor(r)
  if (o.start !== false) await sw.start()
  switches.push(sw)
  return { sw, transport, reactor: reactors[0] as RecordingReactor }
}

afterEach(async () => {
  await Promise.all(switches.splice(0).map((s) => s.stop()))
})

describe('reactors', () => {
  it('a channel claimed twice, or outside 0..255, is an InvalidArgumentError and changes nothing', async () => {
    const { sw } = await make({ start: false })
    expect(() => sw.addReactor(new RecordingReactor('dup', [0x30, 0x20]))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => sw.addReactor(new RecordingReactor('big', [256]))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => sw.addReactor(new RecordingReactor('neg', [-1]))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => sw.addReactor(new RecordingReactor('self-dup', [0x40, 0x40]))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => sw.addReactor(new RecordingReactor('rec', [0x50]))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(sw.reactor('dup')).toBeUndefined()
    // 0x30 was not claimed by the refused reactor.
    sw.addReactor(new RecordingReactor('ok', [0x30, 0x40]))
    expect(sw.reactor('ok')?.name).toBe('ok')
  })

  it('removeReactor frees its channels; an unknown name is an InvalidArgumentError', async () => {
    const { sw } = await make({ start: false })
    sw.removeReactor('rec')
    expect(sw.reactor('rec')).toBeUndefined()
    sw.addReactor(new RecordingReactor('again', [0x20, 0x21]))
    expect(() => sw.removeReactor('nope')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })

  it('attach gives the reactor the facade, not the switch; addReactor after start is refused', async () => {
    const r = new RecordingReactor('r', [0x22])
    const { sw } = await make({ reactors: [r] })
    expect(r.facade).not.toBe(sw)
    expect('dialPeer' in r.facade).toBe(false)
    expect(r.facade.nodeInfo().id).toBe(ours.nodeInfo.id)
    expect(() => sw.addReactor(new RecordingReactor('late', [0x23]))).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })

  it('start starts every reactor before the accept loop; a failing start stops the started ones', async () => {
    const transport = new FakeTransport()
    const seen: number[] = []
    class Probe extends BaseReactor {
      readonly name = 'probe'
      channels() {
        return [{ id: 1, priority: 1 }]
      }
      receive(): void {}
      protected override onStart(): void {
        seen.push(transport.accepts)
      }
    }
    const sw = p2pSwitch()({ transport, nodeInfo: () => ours.nodeInfo })
    sw.addReactor(new Probe())
    await sw.start()
    expect(seen).toEqual([0])
    await until(() => transport.accepts === 1, 'accept loop')
    await sw.stop()

    const stopped: string[] = []
    class Ok extends RecordingReactor {
      protected override onStop(): void {
        stopped.push(this.name)
      }
    }
    class Bad extends RecordingReactor {
      protected override onStart(): void {
        throw new Error('no start')
      }
    }
    const sw2 = p2pSwitch()({ transport: new FakeTransport(), nodeInfo: () => ours.nodeInfo })
    sw2.addReactor(new Ok('ok', [1]))
    sw2.addReactor(new Bad('bad', [2]))
    await expect(sw2.start()).rejects.toThrow('no start')
    expect(stopped).toEqual(['ok'])
  })
})

describe('addPeer', () => {
  it("runs Go's order: initPeer on every reactor, start, peer set, addPeer on every reactor", async () => {
    const log: string[] = []
    let sw!: Switch
    let conn!: FakeConnection
    class Probe extends RecordingReactor {
      override initPeer(p: Peer): void {
        log.push(`${this.name}.init inSet=${sw.peers().has(p.id)} started=${conn.handlers !== undefined}`)
      }
      override addPeer(p: Peer): void {
        log.push(`${this.name}.add inSet=${sw.peers().has(p.id)} started=${conn.handlers !== undefined}`)
      }
    }
    ;({ sw } = await make({ reactors: [new Probe('a', [0x20]), new Probe('b', [0x21])] }))
    const added: Peer[] = []
    sw.events.addEventListener('peer:add', (e) => added.push(e.detail))
    conn = new FakeConnection(false)
    const peer = await sw.addPeer(conn)
    expect(log).toEqual(['a.init inSet=false started=false', 'b.init inSet=false started=false', 'a.add inSet=true started=true', 'b.add inSet=true started=true'])
    expect(conn.channels.map((c) => c.id)).toEqual([0x20, 0x21])
    expect(added).toEqual([peer])
  })

  it('refuses self, duplicate ID and duplicate IP with RejectedError, closing the connection', async () => {
    const { sw } = await make({ init: { allowDuplicateIp: false } })
    const rejected: string[] = []
    sw.events.addEventListener('peer:rejected', (e) => rejected.push((e.detail.error as RejectedError).reason))
    const self = new FakeConnection(false, { id: ours.nodeInfo.id })
    await expect(sw.addPeer(self)).rejects.toMatchObject({ name: 'RejectedError', reason: 'self' })
    expect(self.closed).toBeDefined()
    const first = new FakeConnection(false, { ip: '10.9.9.9' })
    await sw.addPeer(first)
    const again = new FakeConnection(false, { id: first.remoteInfo.id, ip: '10.9.9.8' })
    await expect(sw.addPeer(again)).rejects.toMatchObject({ name: 'RejectedError', reason: 'duplicate-id' })
    expect(again.closed).toBeDefined()
    const sameIp = new FakeConnection(false, { ip: '10.9.9.9' })
    await expect(sw.addPeer(sameIp)).rejects.toMatchObject({ name: 'RejectedError', reason: 'duplicate-ip' })
    expect(rejected).toEqual(['self', 'duplicate-id', 'duplicate-ip'])
    expect(sw.peers().size).toBe(1)
  })

  it('20 concurrent adds of one ID across an async filter: exactly one wins', async () => {
    const { sw } = await make({ peerFilter: { denyAuthenticated: async () => false } })
    const id = identity([0x20]).nodeInfo.id
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => sw.addPeer(new FakeConnection(false, { id }))))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as RejectedError).reason] : []))
    expect(reasons).toEqual(Array(19).fill('duplicate-id'))
    expect(sw.peers().size).toBe(1)
  })

  it('enforces the outbound limit; persistent and unconditional peers are exempt', async () => {
    const uncond = identity([0x20]).nodeInfo.id
    const { sw } = await make({ init: { maxOutboundPeers: 1, maxInboundPeers: 1, unconditionalPeerIds: [uncond] } })
    await sw.addPeer(new FakeConnection(true))
    await expect(sw.addPeer(new FakeConnection(true))).rejects.toMatchObject({ reason: 'too-many-peers' })
    const p = await sw.addPeer(new FakeConnection(true), { persistent: true })
    expect(p.persistent).toBe(true)
    const u = await sw.addPeer(new FakeConnection(true, { id: uncond }))
    expect(u.unconditional).toBe(true)
    await sw.addPeer(new FakeConnection(false))
    await expect(sw.addPeer(new FakeConnection(false))).rejects.toMatchObject({ reason: 'too-many-peers' })
    await sw.addPeer(new FakeConnection(false), { unconditional: true })
    expect(sw.numPeers()).toEqual({ outbound: 2, inbound: 1 })
    expect(sw.peers().size).toBe(5)
  })

  it('persistent flag comes from init or options', async () => {
    const pid = identity([0x20]).nodeInfo.id
    const { sw } = await make({ init: { persistentPeerIds: [pid] } })
    expect((await sw.addPeer(new FakeConnection(true, { id: pid }))).persistent).toBe(true)
    expect((await sw.addPeer(new FakeConnection(true))).persistent).toBe(false)
  })

  it('asks the peer filter: refusal is filtered, a thrown RejectedError passes, a hang times out', async () => {
    let mode: 'deny' | 'ban' | 'throw' | 'hang' = 'deny'
    const filter: PeerFilter = {
      denyAuthenticated: async () => {
        if (mode === 'ban') throw new RejectedError('banned', 'banned id')
        if (mode === 'throw') throw new Error('filter bug')
        if (mode === 'hang') return new Promise<boolean>(() => {})
        return false
      },
      denyNodeInfo: (info) => mode === 'deny' && info.moniker !== 'ok'
    }
    const { sw } = await make({ peerFilter: filter, init: { filterTimeoutMs: 20 } })
    await expect(sw.addPeer(new FakeConnection(false))).rejects.toMatchObject({ name: 'RejectedError', reason: 'filtered' })
    mode = 'ban'
    await expect(sw.addPeer(new FakeConnection(false))).rejects.toMatchObject({ name: 'RejectedError', reason: 'banned' })
    mode = 'throw'
    const err = await sw.addPeer(new FakeConnection(false)).catch((e: unknown) => e as RejectedError)
    expect(err).toMatchObject({ name: 'RejectedError', reason: 'filtered' })
    expect((err as Error).cause).toBeInstanceOf(Error)
    mode = 'hang'
    const c = new FakeConnection(false)
    await expect(sw.addPeer(c)).rejects.toMatchObject({ name: 'TimeoutError', phase: 'filter' })
    expect(c.closed).toBeDefined()
    expect(sw.peers().size).toBe(0)
  })

  it('a filter answering synchronously: refusals at either stage, a throw wrapped, and a pending answer still timed out', async () => {
    let nodeInfoAsked = 0
    let mode: 'sync-deny-id' | 'sync-deny-info' | 'sync-allow' | 'async-hang-info' | 'sync-throw' = 'sync-allow'
    const filter: PeerFilter = {
      denyAuthenticated: () => {
        if (mode === 'sync-throw') throw new Error('filter bug')
        return mode === 'sync-deny-id'
      },
      denyNodeInfo: () => {
        nodeInfoAsked++
        if (mode === 'async-hang-info') return new Promise<boolean>(() => {})
        return mode === 'sync-deny-info'
      }
    }
    const { sw } = await make({ peerFilter: filter, init: { filterTimeoutMs: 20 } })
    expect((await sw.addPeer(new FakeConnection(false))).id).toBeDefined()
    mode = 'sync-deny-id'
    const asked = nodeInfoAsked
    await expect(sw.addPeer(new FakeConnection(false))).rejects.toMatchObject({ name: 'RejectedError', reason: 'filtered' })
    expect(nodeInfoAsked).toBe(asked)
    mode = 'sync-deny-info'
    await expect(sw.addPeer(new FakeConnection(false))).rejects.toThrow('refused by the peer filter (node info)')
    mode = 'sync-throw'
    const err = await sw.addPeer(new FakeConnection(false)).catch((e: unknown) => e as RejectedError)
    expect(err).toMatchObject({ name: 'RejectedError', reason: 'filtered', message: 'peer filter failed: filter bug' })
    mode = 'async-hang-info'
    const c = new FakeConnection(false)
    await expect(sw.addPeer(c)).rejects.toMatchObject({ name: 'TimeoutError', phase: 'filter' })
    expect(c.closed).toBeDefined()
    expect(sw.peers().size).toBe(1)
  })

  it('a synchronous answer costs the admission no timer: as many as with no filter at all', async () => {
    const timersOfOneAdmission = async (peerFilter: PeerFilter | undefined): Promise<number> => {
      const { sw } = await make(peerFilter === undefined ? {} : { peerFilter })
      const spy = vi.spyOn(globalThis, 'setTimeout')
      try {
        await sw.addPeer(new FakeConnection(false))
        return spy.mock.calls.length
      } finally {
        spy.mockRestore()
      }
    }
    const none = await timersOfOneAdmission(undefined)
    expect(await timersOfOneAdmission({ denyAuthenticated: () => false, denyNodeInfo: () => false })).toBe(none)
    // A pending answer does get its deadline.
    expect(await timersOfOneAdmission({ denyAuthenticated: async () => false })).toBe(none + 1)
  })

  it('a peer stopped in initPeer, or whose connection closes at start, is refused and forgotten', async () => {
    let sw!: Switch
    class Stopper extends RecordingReactor {
      override initPeer(p: Peer): void {
        super.initPeer(p)
        if (p.nodeInfo.moniker === 'stop-me') sw.stopPeer(p, new Error('no thanks'))
      }
    }
    const r = new Stopper('s', [0x20])
    ;({ sw } = await make({ reactors: [r] }))
    const events: string[] = []
    sw.events.addEventListener('peer:add', () => events.push('add'))
    sw.events.addEventListener('peer:remove', () => events.push('remove'))
    const info = { ...identity([0x20]).nodeInfo, moniker: 'stop-me' }
    await expect(sw.addPeer(new FakeConnection(false, { info }))).rejects.toThrow('no thanks')
    const gone = new FakeConnection(false)
    gone.closeOnStart = true
    await expect(sw.addPeer(gone)).rejects.toMatchObject({ name: 'ConnectionClosedError' })
    expect(sw.peers().size).toBe(0)
    expect(r.kinds()).toEqual(['init', 'remove', 'init', 'remove'])
    expect(events).toEqual([])
  })

  it('addPeer before start is NotStartedError and closes the connection', async () => {
    const { sw } = await make({ start: false })
    const c = new FakeConnection(false)
    await expect(sw.addPeer(c)).rejects.toMatchObject({ name: 'NotStartedError' })
    expect(c.closed).toBeDefined()
  })
})

describe('removal', () => {
  it('TestSwitchInitPeerIsNotCalledBeforeRemovePeer: the ID stays taken until every removePeer returned', async () => {
    let release!: () => void
    const log: string[] = []
    class Slow extends RecordingReactor {
      override initPeer(p: Peer): void {
        log.push(`init ${p.nodeInfo.moniker}`)
      }
      override removePeer(p: Peer): Promise<void> {
        if (p.nodeInfo.moniker !== 'old') return Promise.resolve()
        log.push(`remove ${p.nodeInfo.moniker} begins`)
        return new Promise<void>((r) => {
          release = () => {
            log.push(`remove ${p.nodeInfo.moniker} ends`)
            r()
          }
        })
      }
    }
    const { sw } = await make({ reactors: [new Slow('slow', [0x20])] })
    const id = identity([0x20]).nodeInfo.id
    const old = await sw.addPeer(new FakeConnection(false, { id, info: { ...identity([0x20]).nodeInfo, moniker: 'old' } }))
    sw.stopPeer(old, new Error('bye'))
    expect(sw.peers().get(id)).toBe(old)
    const fresh = () => new FakeConnection(false, { id, info: { ...identity([0x20]).nodeInfo, moniker: 'new' } })
    await expect(sw.addPeer(fresh())).rejects.toMatchObject({ reason: 'duplicate-id' })
    release()
    await until(() => !sw.peers().has(id), 'old removed')
    await sw.addPeer(fresh())
    expect(log).toEqual(['init old', 'remove old begins', 'remove old ends', 'init new'])
  })

  it('a removePeer that never settles: stop() waits removePeerTimeoutMs, logs a TimeoutError, and removes the peer', async () => {
    vi.useFakeTimers()
    try {
      const errors: string[] = []
      const log = Object.assign(() => {}, {
        error: (f: string, ...a: unknown[]) => errors.push(format(f, ...a)),
        trace: () => {},
        enabled: true
      })
      class Hung extends RecordingReactor {
        override removePeer(): Promise<void> {
          return new Promise<void>(() => {})
        }
      }
      const transport = new FakeTransport()
      transport.start()
      const sw = p2pSwitch({ removePeerTimeoutMs: 3_000 })({ transport, nodeInfo: () => ours.nodeInfo, logger: { forComponent: () => log } })
      const after = new RecordingReactor('after', [0x21])
      sw.addReactor(new Hung('hung', [0x20]))
      sw.addReactor(after)
      await sw.start()
      const peer = await sw.addPeer(new FakeConnection(false))
      const removed: Array<Error | undefined> = []
      sw.events.addEventListener('peer:remove', (e) => removed.push(e.detail.reason))
      let stopped = false
      const stopping = Promise.resolve(sw.stop()).then(() => {
        stopped = true
      })
      await vi.advanceTimersByTimeAsync(2_999)
      // still waiting on the hung reactor: the peer is held, stop() has not returned
      expect(stopped).toBe(false)
      expect(sw.peers().has(peer.id)).toBe(true)
      expect(errors).toEqual([])
      await vi.advanceTimersByTimeAsync(1)
      await stopping
      expect(stopped).toBe(true)
      expect(sw.peers().size).toBe(0)
      expect(removed).toEqual([undefined])
      // the reactors after the hung one still heard of the removal
      expect(after.calls.map((c) => c.kind)).toContain('remove')
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(new RegExp(`^remove peer ${peer.id}@[0-9.]+:\\d+ reason=TimeoutError:remove-peer: reactor hung did not finish removing the peer within 3000 ms$`))
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  describe('a reactor whose start() or stop() never settles', () => {
    const errorLog = (errors: string[]) =>
      Object.assign(() => {}, {
        error: (f: string, ...a: unknown[]) => errors.push(format(f, ...a)),
        trace: () => {},
        enabled: true
      })
    class Hung extends RecordingReactor {
      readonly lifecycle: string[] = []
      constructor(
        name: string,
        channelIds: readonly number[],
        readonly hangOn: 'start' | 'stop'
      ) {
        super(name, channelIds)
      }
      protected override onStart(): Promise<void> | void {
        this.lifecycle.push('start')
        if (this.hangOn === 'start') return new Promise<void>(() => {})
      }
      protected override onStop(): Promise<void> | void {
        this.lifecycle.push('stop')
        if (this.hangOn === 'stop') return new Promise<void>(() => {})
      }
    }
    class Tracked extends RecordingReactor {
      readonly lifecycle: string[] = []
      protected override onStart(): void {
        this.lifecycle.push('start')
      }
      protected override onStop(): void {
        this.lifecycle.push('stop')
      }
    }

    it('stop() waits reactorTimeoutMs, logs a TimeoutError naming the reactor, stops the others and ends with the peers closed', async () => {
      vi.useFakeTimers()
      try {
        const errors: string[] = []
        const transport = new FakeTransport()
        transport.start()
        const sw = p2pSwitch({ reactorTimeoutMs: 4_000 })({ transport, nodeInfo: () => ours.nodeInfo, logger: { forComponent: () => errorLog(errors) } })
        const hung = new Hung('hung', [0x20], 'stop')
        const after = new Tracked('after', [0x21])
        sw.addReactor(hung)
        sw.addReactor(after)
        await sw.start()
        const conn = new FakeConnection(false)
        const peer = await sw.addPeer(conn)
        let stopped = false
        const stopping = Promise.resolve(sw.stop()).then(() => {
          stopped = true
        })
        await vi.advanceTimersByTimeAsync(3_999)
        // the peers are closed before the reactors stop; the switch is still waiting on `hung`
        expect(conn.closed).toBeDefined()
        expect(sw.peers().has(peer.id)).toBe(false)
        expect(stopped).toBe(false)
        expect(after.lifecycle).toEqual(['start'])
        expect(errors).toEqual([])
        await vi.advanceTimersByTimeAsync(1)
        await stopping
        expect(stopped).toBe(true)
        expect(hung.lifecycle).toEqual(['start', 'stop'])
        expect(after.lifecycle).toEqual(['start', 'stop'])
        expect(errors).toEqual(['reactor hung failed to stop: TimeoutError:reactor-stop: reactor hung did not stop within 4000 ms'])
        // nothing of the switch's is left running, and the transport can be stopped after it
        expect(vi.getTimerCount()).toBe(0)
        await transport.stop()
      } finally {
        vi.useRealTimers()
      }
    })

    it('start() rejects with TimeoutError(reactor-start) after reactorTimeoutMs and stops what it started, the late reactor too', async () => {
      vi.useFakeTimers()
      try {
        const errors: string[] = []
        const transport = new FakeTransport()
        transport.start()
        const sw = p2pSwitch({ reactorTimeoutMs: 2_000 })({ transport, nodeInfo: () => ours.nodeInfo, logger: { forComponent: () => errorLog(errors) } })
        const before = new Tracked('before', [0x20])
        const hung = new Hung('hung', [0x21], 'start')
        const never = new Tracked('never', [0x22])
        sw.addReactor(before)
        sw.addReactor(hung)
        sw.addReactor(never)
        const starting = Promise.resolve(sw.start()).then(
          () => undefined,
          (err: unknown) => err
        )
        await vi.advanceTimersByTimeAsync(2_000)
        const err = await starting
        expect(err).toMatchObject({ name: 'TimeoutError', phase: 'reactor-start', timeoutMs: 2_000, message: 'reactor hung did not start within 2000 ms' })
        expect(before.lifecycle).toEqual(['start', 'stop'])
        expect(hung.lifecycle).toEqual(['start', 'stop'])
        expect(never.lifecycle).toEqual([])
        expect(errors).toEqual([])
        await expect(sw.dialPeer({ id: '0'.repeat(40) as NodeID, ip: '127.0.0.9', port: 1 })).rejects.toMatchObject({ name: 'NotStartedError' })
        expect(vi.getTimerCount()).toBe(0)
      } finally {
        vi.useRealTimers()
      }
    })

    it('reactorTimeoutMs must be positive', () => {
      expect(() => p2pSwitch({ reactorTimeoutMs: 0 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    })
  })

  it('removePeerTimeoutMs must be positive', () => {
    expect(() => p2pSwitch({ removePeerTimeoutMs: 0 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })

  it('TestSwitchRemovalErr: stopping a peer the switch does not hold changes nothing', async () => {
    const a = await make()
    const b = await make()
    const p = await a.sw.addPeer(new FakeConnection(false))
    b.sw.stopPeer(p, new Error('not yours'))
    await b.sw.stopPeerGracefully(p)
    expect(p.signal.aborted).toBe(false)
    expect(a.sw.peers().size).toBe(1)
  })

  it('a reactor throwing in addPeer or removePeer: the peer is stopped, the others still hear', async () => {
    class AddThrows extends RecordingReactor {
      override addPeer(p: Peer): void {
        super.addPeer(p)
        throw new Error('add failed')
      }
    }
    class RemoveThrows extends RecordingReactor {
      override removePeer(p: Peer, r: Error | undefined): void {
        super.removePeer(p, r)
        throw new Error('remove failed')
      }
    }
    const r1 = new RemoveThrows('r1', [0x20])
    const r2 = new AddThrows('r2', [0x21])
    const r3 = new RecordingReactor('r3', [0x22])
    const { sw } = await make({ reactors: [r1, r2, r3] })
    const reasons: Array<Error | undefined> = []
    const order: string[] = []
    sw.events.addEventListener('peer:add', () => order.push('add'))
    sw.events.addEventListener('peer:remove', (e) => {
      order.push('remove')
      reasons.push(e.detail.reason)
    })
    const p = await sw.addPeer(new FakeConnection(false))
    await until(() => reasons.length === 1, 'removal')
    expect(p.signal.aborted).toBe(true)
    expect(reasons.map((e) => e?.message)).toEqual(['add failed'])
    expect(order).toEqual(['add', 'remove'])
    expect(r3.kinds()).toEqual(['init', 'remove'])
    expect(sw.peers().size).toBe(0)
  })

  it('messages for a removed peer never reach a reactor; peer signal carries the reason', async () => {
    const { sw, reactor } = await make()
    const conn = new FakeConnection(false)
    const p = await sw.addPeer(conn)
    conn.deliver(0x20, enc('one'))
    const reason = new Error('gone')
    sw.stopPeer(p, reason)
    conn.handlers?.onReceive(0x20, enc('two'))
    expect(reactor.received().length).toBe(1)
    expect(p.signal.reason).toBe(reason)
    expect(conn.closed?.reason).toBe(reason)
  })

  it("a peer's signal, first asked before or only after the stop, is aborted with the stop's reason", async () => {
    const { sw } = await make()
    const early = await sw.addPeer(new FakeConnection(false))
    const late = await sw.addPeer(new FakeConnection(false))
    const bare = await sw.addPeer(new FakeConnection(false))
    const signal = early.signal
    const heard: unknown[] = []
    signal.addEventListener('abort', () => heard.push(signal.reason))
    expect([early.stopped, signal.aborted]).toEqual([false, false])
    const reason = new Error('gone')
    sw.stopPeer(early, reason)
    sw.stopPeer(late, reason)
    await sw.stopPeerGracefully(bare)
    expect(early.signal).toBe(signal)
    expect(heard).toEqual([reason])
    expect(late.stopped).toBe(true)
    expect(late.signal.aborted).toBe(true)
    expect(late.signal.reason).toBe(reason)
    expect(late.signal).toBe(late.signal)
    // Removed without a reason: an AbortError, built without a stack (a routine end).
    expect(bare.signal.reason).toMatchObject({ name: 'AbortError', message: 'peer removed' })
    expect((bare.signal.reason as Error).stack?.split('\n')).toHaveLength(1)
  })

  it('flush-stop, plain stop and the connection closing at once: one removal, one event, one close', async () => {
    const { sw, reactor } = await make()
    const conn = new FakeConnection(false)
    let closes = 0
    const close = conn.close.bind(conn)
    conn.close = (o) => {
      closes++
      return close(o)
    }
    const p = await sw.addPeer(conn)
    const events: unknown[] = []
    sw.events.addEventListener('peer:remove', (e) => events.push(e.detail))
    const graceful = sw.stopPeerGracefully(p)
    sw.stopPeer(p, new Error('at once'))
    conn.handlers?.onClose(new Error('socket gone'))
    await graceful
    await sw.stopPeerGracefully(p)
    expect(events).toHaveLength(1)
    expect(closes).toBe(1)
    expect(reactor.kinds().filter((k) => k === 'remove')).toHaveLength(1)
  })

  it('broadcast works on a snapshot: a peer removed meanwhile just reports false', async () => {
    const { sw } = await make()
    const a = await sw.addPeer(new FakeConnection(false))
    const slow = new FakeConnection(false)
    let release!: () => void
    slow.send = () => new Promise<boolean>((r) => (release = () => r(false)))
    const b = await sw.addPeer(slow)
    const pending = sw.broadcast(0x20, enc('x'))
    sw.stopPeer(b, undefined)
    await sw.addPeer(new FakeConnection(false))
    release()
    const out = await pending
    expect(out.map((o) => [o.peer, o.queued])).toEqual([
      [a, true],
      [b, false]
    ])
  })

  it('stopPeerGracefully closes with flush', async () => {
    const { sw } = await make()
    const conn = new FakeConnection(false)
    const p = await sw.addPeer(conn)
    await sw.stopPeerGracefully(p)
    expect(conn.closed?.flush).toBe(true)
    expect(sw.peers().size).toBe(0)
  })
})

describe('dialPeer', () => {
  it('one dial per ID: AlreadyConnectedError while dialling and once connected; markGood on success', async () => {
    const book = new FakeAddrBook()
    const { sw, transport } = await make({ addrBook: book })
    const remote = identity([0x20])
    let finish!: () => void
    transport.onDial = (addr) => new Promise((resolve) => (finish = () => resolve(new FakeConnection(true, { id: addr.id, ip: addr.ip }))))
    const addr = { id: remote.nodeInfo.id, ip: '10.1.1.1', port: 26656 }
    const first = sw.dialPeer(addr)
    expect(sw.isDialing(addr.id)).toBe(true)
    await expect(sw.dialPeer(addr)).rejects.toMatchObject({ name: 'AlreadyConnectedError', state: 'dialing' })
    finish()
    const peer = await first
    expect(sw.isDialing(addr.id)).toBe(false)
    expect(peer.socketAddr).toEqual(addr)
    await expect(sw.dialPeer(addr)).rejects.toMatchObject({ name: 'AlreadyConnectedError', state: 'connected' })
    expect(book.good).toEqual([addr])
  })

  it('a dial of our own ID is a self rejection: the book forgets it and keeps it as ours', async () => {
    const book = new FakeAddrBook()
    const { sw } = await make({ addrBook: book })
    const addr = { id: ours.nodeInfo.id, ip: '10.2.2.2', port: 26656 }
    await expect(sw.dialPeer(addr)).rejects.toMatchObject({ name: 'RejectedError', reason: 'self' })
    expect(book.removed).toEqual([addr])
    expect(book.ours).toContainEqual(addr)
  })

  it('a transport self rejection is handled the same way', async () => {
    const book = new FakeAddrBook()
    const { sw, transport } = await make({ addrBook: book })
    transport.onDial = async () => {
      throw new RejectedError('self', 'self')
    }
    const addr = { id: identity([1]).nodeInfo.id, ip: '10.2.2.3', port: 26656 }
    await expect(sw.dialPeer(addr)).rejects.toMatchObject({ reason: 'self' })
    expect(book.removed).toEqual([addr])
  })

  it('a dial that hangs times out with TimeoutError(dial) and a late connection is closed', async () => {
    const { sw, transport } = await make({ init: { dialTimeoutMs: 20 } })
    let late!: (c: FakeConnection) => void
    transport.onDial = () => new Promise((resolve) => (late = resolve))
    const errors: string[] = []
    sw.events.addEventListener('dial:error', (e) => errors.push(e.detail.error.name))
    const addr = { id: identity([1]).nodeInfo.id, ip: '10.3.3.3', port: 1 }
    await expect(sw.dialPeer(addr)).rejects.toMatchObject({ name: 'TimeoutError', phase: 'dial' })
    expect(errors).toEqual(['TimeoutError'])
    const c = new FakeConnection(true, { id: addr.id })
    late(c)
    await until(() => c.closed !== undefined, 'late conn closed')
    expect(sw.isDialing(addr.id)).toBe(false)
  })

  it('the caller can abort a dial; stop() aborts dials in flight', async () => {
    const { sw, transport } = await make()
    transport.onDial = () => new Promise(() => {})
    const ac = new AbortController()
    const addr = { id: identity([1]).nodeInfo.id, ip: '10.4.4.4', port: 1 }
    const d = sw.dialPeer(addr, { signal: ac.signal })
    ac.abort()
    await expect(d).rejects.toMatchObject({ name: 'AbortError' })
    const d2 = sw.dialPeer(addr)
    await sw.stop()
    await expect(d2).rejects.toMatchObject({ name: 'AbortError' })
    await expect(sw.dialPeer(addr)).rejects.toMatchObject({ name: 'NotStartedError' })
  })

  it('refuses a dial past the outbound limit before opening a socket (in-flight dials count)', async () => {
    const { sw, transport } = await make({ init: { maxOutboundPeers: 1 } })
    let dials = 0
    transport.onDial = () => {
      dials++
      return new Promise(() => {})
    }
    void sw.dialPeer({ id: identity([1]).nodeInfo.id, ip: '10.5.5.5', port: 1 }).catch(() => {})
    await expect(sw.dialPeer({ id: identity([1]).nodeInfo.id, ip: '10.5.5.6', port: 1 })).rejects.toMatchObject({ reason: 'too-many-peers' })
    void sw.dialPeer({ id: identity([1]).nodeInfo.id, ip: '10.5.5.7', port: 1 }, { persistent: true }).catch(() => {})
    expect(dials).toBe(2)
  })
})

describe('accept loop', () => {
  it('goes on after an accept error and a refused connection; ends when the transport closes', async () => {
    const { sw, transport } = await make()
    transport.push(new Error('accept blew up'))
    transport.push(new FakeConnection(false, { id: ours.nodeInfo.id }))
    await until(() => transport.accepts === 2, 'accept again')
    const good = new FakeConnection(false)
    transport.push(good)
    await until(() => sw.peers().size === 1, 'inbound peer')
    transport.push('end')
    transport.push(new FakeConnection(false))
    await new Promise((r) => setTimeout(r, 10))
    expect(sw.peers().size).toBe(1)
  })

  it('stop() with an admission stuck in a filter settles it and closes the connection', async () => {
    const { sw, transport } = await make({ peerFilter: { denyNodeInfo: () => new Promise<boolean>(() => {}) } })
    const c = new FakeConnection(false)
    transport.push(c)
    await until(() => c.closed === undefined && transport.accepts === 1, 'accepted')
    await new Promise((r) => setTimeout(r, 5))
    await sw.stop()
    expect(c.closed).toBeDefined()
  })
})

describe('peers', () => {
  it('typed data: get/set/delete, keys with one name stay distinct', async () => {
    const { sw } = await make()
    const p = await sw.addPeer(new FakeConnection(false))
    const k1 = peerDataKey<number>('score')
    const k2 = peerDataKey<string>('score')
    p.set(k1, 5)
    p.set(k2, 'five')
    expect(p.get(k1)).toBe(5)
    expect(p.get(k2)).toBe('five')
    p.delete(k1)
    expect(p.get(k1)).toBeUndefined()
    expect(p.get(k2)).toBe('five')
  })

  it('broadcast resolves with each peer outcome (false where the peer lacks the channel)', async () => {
    const { sw } = await make()
    const a = await sw.addPeer(new FakeConnection(false, { channels: [0x20] }))
    const b = await sw.addPeer(new FakeConnection(false, { channels: [0x21] }))
    const out = await sw.broadcast(0x20, enc('hi'))
    expect(out.map((o) => [o.peer.id, o.queued])).toEqual([
      [a.id, true],
      [b.id, false]
    ])
  })

  it('metrics: batched byte counters by channel, per-peer labels only when asked', async () => {
    for (const perPeer of [false, true]) {
      const metrics = new MemoryMetrics()
      const { sw } = await make({ metrics, init: { perPeerMetricLabels: perPeer, metricsFlushIntervalMs: 60_000 } })
      const conn = new FakeConnection(false)
      const p = await sw.addPeer(conn)
      conn.deliver(0x20, new Uint8Array(10))
      conn.deliver(0x20, new Uint8Array(5))
      p.trySend(0x21, new Uint8Array(7))
      const callsBefore = metrics.calls
      expect(metrics.get('cometbft_p2p_peer_receive_bytes_total', { chID: '0x20' })).toBe(0)
      await sw.stop()
      const labels = (ch: string) => (perPeer ? { peer_id: p.id, chID: ch } : { chID: ch })
      expect(metrics.get('cometbft_p2p_peer_receive_bytes_total', labels('0x20'))).toBe(15)
      expect(metrics.get('cometbft_p2p_peer_send_bytes_total', labels('0x21'))).toBe(7)
      // one call per series with bytes (2 by channel, 2 by message type), the pending gauge, the 2 peer gauges
      expect(metrics.calls - callsBefore).toBeLessThanOrEqual(8)
      expect(metrics.get('cometbft_p2p_peers')).toBe(0)
      expect(metrics.get('cometbft_p2p_peers_inbound')).toBe(0)
    }
  })
})

describe('a metrics sink that throws', () => {
  it('a flush that throws is logged and the next flush still runs; no timer is left after stop', async () => {
    vi.useFakeTimers()
    try {
      const errors: string[] = []
      const log = Object.assign(() => {}, { error: (f: string, ...a: unknown[]) => errors.push(format(f, ...a)), trace: () => {}, enabled: true })
      class Throwing extends MemoryMetrics {
        failures = 0
        override registerCounter(name: string) {
          const c = super.registerCounter(name)
          if (name !== 'cometbft_p2p_peer_receive_bytes_total') return c
          return {
            increment: (v?: number, labels?: Record<string, string>) => {
              if (this.failures++ === 0) throw new Error('sink down')
              c.increment(v, labels)
            }
          }
        }
      }
      const metrics = new Throwing()
      const transport = new FakeTransport()
      transport.start()
      const sw = p2pSwitch({ allowDuplicateIp: true, metricsFlushIntervalMs: 100 })({ transport, nodeInfo: () => ours.nodeInfo, metrics, logger: { forComponent: () => log } })
      sw.addReactor(new RecordingReactor('rec', [0x20]))
      await sw.start()
      const conn = new FakeConnection(false)
      await sw.addPeer(conn)
      conn.deliver(0x20, new Uint8Array(10))
      await vi.advanceTimersByTimeAsync(100)
      expect(errors).toEqual(['metrics flush failed: sink down'])
      conn.deliver(0x20, new Uint8Array(4))
      await vi.advanceTimersByTimeAsync(100)
      // what the failed flush could not hand over is kept: the next flush gives all 14 bytes
      expect(metrics.get('cometbft_p2p_peer_receive_bytes_total', { chID: '0x20' })).toBe(14)
      expect(sw.peers().size).toBe(1)
      await sw.stop()
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe("Go's per-message-type series and MarkPeerAsGood", () => {
  /** Names its messages by their first byte, as PEX does by the Message's field tag. */
  class Typed extends RecordingReactor {
    messageType(_ch: number, m: Uint8Array): string | undefined {
      return m[0] === 1 ? 'test_Ping' : m[0] === 2 ? 'test_Pong' : undefined
    }
  }

  it('message_{receive,send}_bytes_total by the type the channel\'s reactor names; unnamed messages count as unknown', async () => {
    const metrics = new MemoryMetrics()
    const { sw } = await make({ metrics, reactors: [new Typed('typed', [0x20]), new RecordingReactor('plain', [0x21])], init: { metricsFlushIntervalMs: 60_000 } })
    const conn = new FakeConnection(false)
    const p = await sw.addPeer(conn)
    conn.deliver(0x20, Uint8Array.of(1, 0, 0))
    conn.deliver(0x20, Uint8Array.of(2, 0))
    conn.deliver(0x20, Uint8Array.of(2, 7, 7, 7))
    conn.deliver(0x20, Uint8Array.of(9))
    conn.deliver(0x21, Uint8Array.of(1, 1, 1, 1))
    expect(p.trySend(0x20, Uint8Array.of(1, 0, 0, 0))).toBe(true)
    expect(await p.send(0x21, new Uint8Array(5))).toBe(true)
    expect((await sw.broadcast(0x20, Uint8Array.of(2))).map((o) => o.queued)).toEqual([true])
    // batched: nothing reaches the sink before the flush (here: stop)
    expect(metrics.get('cometbft_p2p_message_receive_bytes_total', { message_type: 'test_Ping' })).toBe(0)
    await sw.stop()
    const recv = (t: string) => metrics.get('cometbft_p2p_message_receive_bytes_total', { message_type: t })
    const sent = (t: string) => metrics.get('cometbft_p2p_message_send_bytes_total', { message_type: t })
    expect([recv('test_Ping'), recv('test_Pong'), recv('unknown')]).toEqual([3, 6, 1 + 4])
    expect([sent('test_Ping'), sent('test_Pong'), sent('unknown')]).toEqual([4, 1, 5])
    // the same bytes as the per-channel series
    expect(recv('test_Ping') + recv('test_Pong') + recv('unknown')).toBe(
      metrics.get('cometbft_p2p_peer_receive_bytes_total', { chID: '0x20' }) + metrics.get('cometbft_p2p_peer_receive_bytes_total', { chID: '0x21' })
    )
  })

  it('a reactor that names messages by their content cannot grow the series without bound; a throwing one counts as unknown', async () => {
    class ByContent extends RecordingReactor {
      messageType(_ch: number, m: Uint8Array): string | undefined {
        if (m[0] === 255) throw new Error('boom')
        return `t${m[0]}`
      }
    }
    const metrics = new MemoryMetrics()
    const { sw } = await make({ metrics, reactors: [new ByContent('content', [0x20])], init: { metricsFlushIntervalMs: 60_000 } })
    const conn = new FakeConnection(false)
    await sw.addPeer(conn)
    for (let i = 0; i < 200; i++) conn.deliver(0x20, Uint8Array.of(i))
    conn.deliver(0x20, Uint8Array.of(255, 0))
    await sw.stop()
    const types = [...metrics.values.keys()].filter((k) => k.startsWith('cometbft_p2p_message_receive_bytes_total'))
    expect(types.length).toBe(64)
    expect(metrics.get('cometbft_p2p_message_receive_bytes_total', { message_type: 't0' })).toBe(1)
    // 63 names taken first, the other 137 messages and the throwing one as unknown
    expect(metrics.get('cometbft_p2p_message_receive_bytes_total', { message_type: 'unknown' })).toBe(137 + 2)
  })

  it('markPeerAsGood on the facade tells the address book (Go Switch.MarkPeerAsGood), only for a peer the switch holds', async () => {
    const addrBook = new FakeAddrBook()
    const r = new RecordingReactor('rec', [0x20, 0x21])
    const { sw } = await make({ addrBook, reactors: [r] })
    const other = await make()
    const inbound = await sw.addPeer(new FakeConnection(false))
    // an inbound peer is not marked on admission (Go marks outbound ones)
    expect(addrBook.good).toEqual([])
    r.facade.markPeerAsGood?.(inbound)
    expect(addrBook.good.map((a) => a.id)).toEqual([inbound.id])
    expect(addrBook.good[0]).toMatchObject({ ip: inbound.socketAddr.ip, port: inbound.socketAddr.port })
    // a peer of another switch, or one already removed, changes nothing
    r.facade.markPeerAsGood?.(await other.sw.addPeer(new FakeConnection(false)))
    sw.stopPeer(inbound, undefined)
    await until(() => !sw.peers().has(inbound.id), 'removed')
    r.facade.markPeerAsGood?.(inbound)
    expect(addrBook.good).toHaveLength(1)
  })

  it('markPeerAsGood: a book that throws is logged, not thrown into the reactor', async () => {
    const addrBook = new FakeAddrBook()
    addrBook.markGood = () => {
      throw new Error('disk full')
    }
    const r = new RecordingReactor('rec', [0x20])
    const { sw } = await make({ addrBook, reactors: [r] })
    const peer = await sw.addPeer(new FakeConnection(false))
    expect(() => r.facade.markPeerAsGood?.(peer)).not.toThrow()
  })
})

describe('pending sends', () => {
  it("cometbft_p2p_peer_pending_send_bytes: Go's name, the messages in the send queues, set on the flush tick", async () => {
    for (const perPeer of [false, true]) {
      const metrics = new MemoryMetrics()
      const { sw } = await make({ metrics, init: { perPeerMetricLabels: perPeer, metricsFlushIntervalMs: 10 } })
      const queued = (sizes: number[]) => {
        const c = new FakeConnection(false)
        c.status = () => ({
          connectedAt: 0,
          bytesSent: 0,
          bytesReceived: 0,
          channels: sizes.map((n, i) => ({ id: 0x20 + i, priority: 1, sendQueueCapacity: 100, sendQueueSize: n, recentlySent: 0, bytesSent: 0, bytesReceived: 0 }))
        })
        return c
      }
      const a = await sw.addPeer(queued([3, 4]))
      const b = await sw.addPeer(queued([5, 0]))
      const name = 'cometbft_p2p_peer_pending_send_bytes'
      if (perPeer) {
        await until(() => metrics.get(name, { peer_id: a.id }) === 7 && metrics.get(name, { peer_id: b.id }) === 5, 'per-peer pending')
        expect(metrics.values.has(name)).toBe(false)
        sw.stopPeer(a, undefined)
        await until(() => metrics.get(name, { peer_id: a.id }) === 0 && !sw.peers().has(a.id), 'a gone')
        expect(metrics.get(name, { peer_id: b.id })).toBe(5)
      } else {
        await until(() => metrics.get(name) === 12, 'total pending')
        expect([...metrics.values.keys()].some((k) => k.includes('peer_id'))).toBe(false)
      }
      await sw.stop()
      if (!perPeer) expect(metrics.get(name)).toBe(0)
    }
  })
})

describe('BaseReactor', () => {
  it('a reactor in a few lines: echo on its channel', async () => {
    class Echo extends BaseReactor {
      readonly name = 'echo'
      channels() {
        return [{ id: 0x20, priority: 1 }]
      }
      receive({ src, channelId, message }: Envelope): void {
        src.trySend(channelId, message)
      }
    }
    const { sw } = await make({ reactors: [new Echo()] })
    const conn = new FakeConnection(false)
    await sw.addPeer(conn)
    conn.deliver(0x20, enc('ping'))
    expect(conn.sent.map((s) => s.channelId)).toEqual([0x20])
  })

  it('signal and switch throw NotStartedError before start / attach', () => {
    class R extends BaseReactor {
      readonly name = 'r'
      channels() {
        return []
      }
      receive(): void {}
      peek(): unknown {
        return this.signal
      }
      sw(): unknown {
        return this.switch
      }
    }
    const r = new R()
    expect(() => r.peek()).toThrow(expect.objectContaining({ name: 'NotStartedError' }))
    expect(() => r.sw()).toThrow(expect.objectContaining({ name: 'NotStartedError' }))
  })
})



describe('options', () => {
  it('refuses negative limits, non-positive timeouts and malformed peer IDs', () => {
    expect(() => p2pSwitch({ maxInboundPeers: -1 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => p2pSwitch({ maxOutboundPeers: 1.5 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => p2pSwitch({ dialTimeoutMs: 0 })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => p2pSwitch({ persistentPeerIds: ['nope' as NodeID] })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
    expect(() => p2pSwitch({ maxInboundPeers: 0, unconditionalPeerIds: [identity([1]).nodeInfo.id] })).not.toThrow()
  })
})
