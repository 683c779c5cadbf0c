import type { ChannelDescriptor, NetAddress, NodeID, PeerConnection, Transport } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import type { TestSetup } from '../index.js'

/** Makes started transports, each with its own node identity. */
export interface TransportFixture {
  /** A started transport whose NodeInfo advertises `channels` on `network` (default 'test-chain'). */
  create(options?: { network?: string; channels?: readonly number[] }): Promise<Transport>
}

const CH_SMALL: ChannelDescriptor = { id: 0x20, priority: 5, sendQueueCapacity: 100 }
const CH_BIG: ChannelDescriptor = { id: 0x21, priority: 1, sendQueueCapacity: 4, recvMessageCapacity: 16 * 1024 * 1024 }

interface Inbox {
  messages: Array<{ channelId: number; message: Uint8Array }>
  closed: Promise<Error | undefined>
  waitFor(n: number): Promise<void>
}

function startConn(conn: PeerConnection, channels: readonly ChannelDescriptor[] = [CH_SMALL, CH_BIG]): Inbox {
  const messages: Inbox['messages'] = []
  let waiters: Array<() => void> = []
  let onClose!: (e: Error | undefined) => void
  const closed = new Promise<Error | undefined>((resolve) => {
    onClose = resolve
  })
  conn.start(channels, {
    onReceive(channelId, message) {
      messages.push({ channelId, message })
      for (const w of waiters) w()
      waiters = []
    },
    onClose: (error) => onClose(error)
  })
  return {
    messages,
    closed,
    async waitFor(n) {
      while (messages.length < n) await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
}

async function firstAccepted(t: Transport, signal?: AbortSignal): Promise<PeerConnection> {
  for await (const conn of t.accept(signal === undefined ? {} : { signal })) return conn
  throw new Error('accept ended without a connection')
}

function fill(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

/** The `Transport` / `PeerConnection` compliance suite. */
export default function transportSuite(setup: TestSetup<TransportFixture>): void {
  describe('Transport compliance', () => {
    let fixture: TransportFixture
    const started: Transport[] = []
    const conns: PeerConnection[] = []

    async function make(options?: { network?: string; channels?: readonly number[] }): Promise<Transport> {
      fixture ??= await setup.setup()
      const t = await fixture.create(options)
      started.push(t)
      return t
    }

    async function connect(): Promise<{ a: Transport; b: Transport; out: PeerConnection; inb: PeerConnection }> {
      const a = await make()
      const b = await make()
      const [out, inb] = await Promise.all([a.dial(b.listenAddress()), firstAccepted(b)])
      conns.push(out, inb)
      return { a, b, out, inb }
    }

    afterEach(async () => {
      await Promise.all(conns.splice(0).map((c) => c.close()))
      await Promise.all(started.splice(0).map((t) => t.stop()))
      if (fixture !== undefined) await setup.teardown(fixture)
      fixture = undefined as unknown as TransportFixture
    })

    it('dials and accepts: both sides see the authenticated peer', async () => {
      const { a, b, out, inb } = await connect()
      expect(out.outbound).toBe(true)
      expect(inb.outbound).toBe(false)
      expect(out.remoteAddr.id).toBe(b.listenAddress().id)
      expect(out.remoteInfo.id).toBe(b.listenAddress().id)
      expect(inb.remoteAddr.id).toBe(a.listenAddress().id)
      expect(inb.remoteInfo.id).toBe(a.listenAddress().id)
      expect(out.remotePublicKey).toHaveLength(32)
    })

    it('rejects a dial whose address names another ID with AuthFailureError', async () => {
      const b = await make()
      const wrong: NetAddress = { ...b.listenAddress(), id: 'ab'.repeat(20) as NodeID }
      const a = await make()
      await expect(a.dial(wrong)).rejects.toMatchObject({ name: 'AuthFailureError' })
    })

    it('rejects a peer on another network with RejectedError(incompatible)', async () => {
      const a = await make({ network: 'chain-a' })
      const b = await make({ network: 'chain-b' })
      await expect(a.dial(b.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'incompatible' })
    })

    it('carries 1-byte and 10 MiB messages both ways, in order per channel', async () => {
      const { out, inb } = await connect()
      const outBox = startConn(out)
      const inBox = startConn(inb)
      const big = fill(10 * 1024 * 1024, 7)
      expect(await out.send(CH_SMALL.id, Uint8Array.of(42))).toBe(true)
      expect(await out.send(CH_BIG.id, big)).toBe(true)
      expect(await out.send(CH_SMALL.id, Uint8Array.of(43))).toBe(true)
      expect(await inb.send(CH_SMALL.id, Uint8Array.of(1, 2, 3))).toBe(true)
      await inBox.waitFor(3)
      await outBox.waitFor(1)
      const small = inBox.messages.filter((m) => m.channelId === CH_SMALL.id).map((m) => Array.from(m.message))
      expect(small).toEqual([[42], [43]])
      const received = inBox.messages.find((m) => m.channelId === CH_BIG.id)?.message
      expect(received?.length).toBe(big.length)
      expect(Buffer.compare(Buffer.from(received as Uint8Array), Buffer.from(big))).toBe(0)
      expect(Array.from(outBox.messages[0]?.message ?? [])).toEqual([1, 2, 3])
    })

    it('refuses to send on a channel the connection does not have', async () => {
      const { out, inb } = await connect()
      startConn(out)
      startConn(inb)
      expect(out.trySend(0x99, Uint8Array.of(1))).toBe(false)
      expect(await out.send(0x99, Uint8Array.of(1))).toBe(false)
    })

    it('tells the other side when a connection closes', async () => {
      const { out, inb } = await connect()
      startConn(out)
      const inBox = startConn(inb)
      await out.close()
      await inBox.closed
      expect(await inb.send(CH_SMALL.id, Uint8Array.of(1))).toBe(false)
    })

    it('rejects a dial with an aborted signal with AbortError', async () => {
      const b = await make()
      const a = await make()
      const ac = new AbortController()
      ac.abort()
      await expect(a.dial(b.listenAddress(), { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' })
    })

    it('ends accept() when its signal aborts', async () => {
      const b = await make()
      const ac = new AbortController()
      const pending = firstAccepted(b, ac.signal).catch((e: Error) => e)
      ac.abort()
      const result = await pending
      // The iteration ended (firstAccepted's own error), it did not throw something else.
      expect(result).toMatchObject({ message: 'accept ended without a connection' })
    })

    it('aborts a dial in progress (mid-handshake) with AbortError; nothing stays registered and the next dial works', async () => {
      const a = await make()
      const b = await make()
      const accepted: PeerConnection[] = []
      const acceptor = (async () => {
        for await (const c of b.accept()) accepted.push(c)
      })()
      const rejected = new Promise<void>((resolve) => {
        b.addEventListener('connection:rejected', () => resolve(), { once: true })
        setTimeout(resolve, 1000)
      })
      const ac = new AbortController()
      // The dial runs up to its first wait (socket opening, or our first handshake message sent).
      const dialing = a.dial(b.listenAddress(), { signal: ac.signal })
      ac.abort()
      await expect(dialing).rejects.toMatchObject({ name: 'AbortError' })
      // The remote drops its half (if the connection got that far) ...
      await rejected
      // ... and neither side keeps anything registered: the same dial works now.
      const out = await a.dial(b.listenAddress())
      conns.push(out)
      expect(out.remoteInfo.id).toBe(b.listenAddress().id)
      while (accepted.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
      conns.push(...accepted)
      expect(accepted.map((c) => c.remoteInfo.id)).toEqual([a.listenAddress().id])
      await b.stop()
      await acceptor
    })

    it('leaves no open handles (sockets, servers, timers) after stop', async () => {
      const count = (): number =>
        process.getActiveResourcesInfo().filter((r) => r !== 'FSReqCallback' && r !== 'Immediate').length
      const before = count()
      const { a, b, out, inb } = await connect()
      startConn(out)
      startConn(inb)
      expect(await out.send(CH_SMALL.id, Uint8Array.of(1))).toBe(true)
      expect(count()).toBeGreaterThan(before)
      await a.stop()
      await b.stop()
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(count()).toBeLessThanOrEqual(before)
    })

    it('stops: accept() ends and dial() is refused', async () => {
      const a = await make()
      const b = await make()
      const addr = b.listenAddress()
      const accepting = (async () => {
        for await (const _ of b.accept()) {
          // drain
        }
        return 'ended'
      })()
      await b.stop()
      expect(await accepting).toBe('ended')
      await expect(a.dial(addr)).rejects.toMatchObject({ name: expect.stringMatching(/^(DialError|TimeoutError)$/) })
      await a.stop()
      await expect(a.dial(addr)).rejects.toMatchObject({ name: 'NotStartedError' })
    })
  })
}
