import { randomBytes } from 'node:crypto'
import { connect, Socket } from 'node:net'
import type { NetAddress, NodeID, PeerConnection, Transport } from '@p2p/types'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeDelimited } from '@p2p/types/wire'
import { encodeNodeInfo, secretHandshake, type StackInit, type TcpTransportInit, tcpTransport } from '../src/index.js'
import { type TestIdentity, testIdentity } from './helpers/identity.js'

const transports: Transport[] = []
const sockets: Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(transports.splice(0).map((t) => t.stop()))
})

async function start(init: TcpTransportInit & StackInit = {}, id: TestIdentity = testIdentity()): Promise<Transport & { id: TestIdentity }> {
  const t = tcpTransport({ listen: '127.0.0.1:0', mconnection: { sendRate: 0, recvRate: 0 }, ...init })({
    nodeKey: id.nodeKey,
    nodeInfo: () => id.nodeInfo
  })
  await t.start()
  transports.push(t)
  return Object.assign(t, { id })
}

function nextRejection(t: Transport): Promise<Error> {
  return new Promise((resolve) => t.addEventListener('connection:rejected', (e) => resolve(e.detail.error), { once: true }))
}

function rawSocket(addr: NetAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: addr.ip, port: addr.port })
    sockets.push(s)
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
}

/** Resolves when the server has closed `s` (reading it, so the FIN is seen). */
function closedBy(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve()
    s.once('close', () => resolve())
    s.resume()
  })
}

/** Completes the secret handshake as `id`, then sends `body` as the NodeInfo. */
async function sendNodeInfo(addr: NetAddress, id: TestIdentity, body: Uint8Array, prefix?: Uint8Array): Promise<Socket> {
  const s = await rawSocket(addr)
  const sc = await secretHandshake(s, id.nodeKey)
  sc.start({ onData: () => {}, onEnd: () => {} })
  sc.write(prefix ?? encodeDelimited(body))
  return s
}

async function acceptOne(t: Transport): Promise<PeerConnection> {
  for await (const c of t.accept()) return c
  throw new Error('no connection')
}

describe('Transport: hostile peers', () => {
  it.each([
    ['a malformed BytesValue', '22' + 'ff'.repeat(34)],
    ['a length prefix over the 1 MiB handshake limit', 'ffffff7f' + '00'.repeat(64)]
  ])('closes a connection that sends %s instead of the ephemeral key', async (_name, hex) => {
    const t = await start()
    const rejected = nextRejection(t)
    const s = await rawSocket(t.listenAddress())
    s.write(Buffer.from(hex, 'hex'))
    expect(await rejected).toMatchObject({ name: 'HandshakeError', stage: 'key-exchange' })
    await closedBy(s)
  })

  it('times out a peer that never completes the handshake, and frees its socket', async () => {
    const t = await start({ handshakeTimeoutMs: 150 })
    const rejected = nextRejection(t)
    const s = await rawSocket(t.listenAddress())
    expect(await rejected).toMatchObject({ name: 'TimeoutError', phase: 'handshake' })
    await closedBy(s)
  })

  it('refuses a NodeInfo whose length prefix exceeds 10240 bytes', async () => {
    const t = await start()
    const rejected = nextRejection(t)
    const s = await sendNodeInfo(t.listenAddress(), testIdentity(), new Uint8Array(0), Uint8Array.of(0x81, 0x50)) // 10241
    const err = await rejected
    expect(err).toMatchObject({ name: 'HandshakeError', stage: 'nodeinfo' })
    expect((err.cause as Error).name).toBe('MessageTooLargeError')
    await closedBy(s)
  })

  it('times out a peer that authenticates but never sends its NodeInfo', async () => {
    const t = await start({ nodeInfoTimeoutMs: 150 })
    const rejected = nextRejection(t)
    const s = await rawSocket(t.listenAddress())
    const sc = await secretHandshake(s, testIdentity().nodeKey)
    sc.start({ onData: () => {}, onEnd: () => {} })
    expect(await rejected).toMatchObject({ name: 'TimeoutError', phase: 'nodeinfo' })
    await closedBy(s)
  })

  it('refuses an invalid NodeInfo (empty moniker)', async () => {
    const t = await start()
    const peer = testIdentity()
    const rejected = nextRejection(t)
    await sendNodeInfo(t.listenAddress(), peer, encodeNodeInfo({ ...peer.nodeInfo, moniker: '' }))
    expect(await rejected).toMatchObject({ name: 'RejectedError', reason: 'invalid-nodeinfo' })
  })

  it('refuses a NodeInfo whose ID is not the authenticated key', async () => {
    const t = await start()
    const peer = testIdentity()
    const other = testIdentity()
    const rejected = nextRejection(t)
    await sendNodeInfo(t.listenAddress(), peer, encodeNodeInfo({ ...peer.nodeInfo, id: other.nodeKey.id }))
    const err = await rejected
    expect(err).toMatchObject({ name: 'AuthFailureError', expected: peer.nodeKey.id, actual: other.nodeKey.id })
    expect(err.message).toBe(`conn.ID (${peer.nodeKey.id}) NodeInfo.ID (${other.nodeKey.id}) mismatch`)
  })

  it('refuses a peer on another network, on both sides', async () => {
    const a = await start({}, testIdentity({ network: 'chain-a' }))
    const b = await start({}, testIdentity({ network: 'chain-b' }))
    const rejected = nextRejection(b)
    await expect(a.dial(b.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'incompatible' })
    expect(await rejected).toMatchObject({ name: 'RejectedError', reason: 'incompatible' })
  })

  it('refuses to connect to itself', async () => {
    const t = await start({ allowDuplicateIp: true })
    await expect(t.dial(t.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'self' })
  })

  it('refuses a second connection to the same address', async () => {
    const a = await start({ allowDuplicateIp: true })
    const b = await start({ allowDuplicateIp: true })
    const accepted = acceptOne(b)
    await a.dial(b.listenAddress())
    await accepted
    await expect(a.dial(b.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'duplicate-conn' })
  })

  it('lets only one of two concurrent dials to the same address through, even with slow filters', async () => {
    const slowFilter = () => new Promise<void>((r) => setTimeout(r, 30))
    const a = await start({ allowDuplicateIp: true, connFilters: [slowFilter] })
    const b = await start({ allowDuplicateIp: true })
    const accepted = acceptOne(b)
    const results = await Promise.allSettled([a.dial(b.listenAddress()), a.dial(b.listenAddress())])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(failed.reason).toMatchObject({ name: 'RejectedError', reason: 'duplicate-conn' })
    await accepted
  })

  it('works over IPv6 and refuses a duplicate connection there too', async () => {
    const a = await start({ listen: '[::1]:0', allowDuplicateIp: true })
    const b = await start({ listen: '[::1]:0', allowDuplicateIp: true })
    expect(b.listenAddress().ip).toBe('::1')
    const accepted = acceptOne(b)
    const out = await a.dial(b.listenAddress())
    expect(out.remoteAddr.ip).toBe('::1')
    expect((await accepted).remoteAddr.ip).toBe('::1')
    await expect(a.dial(b.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'duplicate-conn', addr: `[::1]:${b.listenAddress().port}` })
  })

  it('takes a dialled connection\'s remote address from the address dialled, without asking the socket', async () => {
    const a = await start({ allowDuplicateIp: true })
    const b = await start({ allowDuplicateIp: true })
    const accepted = acceptOne(b)
    // getpeername() is a system call per connection; the dialled address is already known.
    const spy = vi.spyOn(Socket.prototype as unknown as { _getpeername(): unknown }, '_getpeername')
    try {
      const out = await a.dial(b.listenAddress())
      // Only the accepted end (whose local port is the listener's) may have asked.
      const askers = spy.mock.contexts as unknown as Socket[]
      expect(askers.filter((s) => s.localPort !== b.listenAddress().port)).toHaveLength(0)
      expect(out.remoteAddr).toMatchObject({ id: b.id.nodeKey.id, ip: '127.0.0.1', port: b.listenAddress().port })
    } finally {
      spy.mockRestore()
    }
    await accepted
  })

  it('refuses a second connection from the same IP unless allowed (Go ConnDuplicateIPFilter)', async () => {
    const b = await start()
    const a1 = await start({ allowDuplicateIp: true })
    const a2 = await start({ allowDuplicateIp: true })
    const accepted = acceptOne(b)
    await a1.dial(b.listenAddress())
    await accepted
    const rejected = nextRejection(b)
    await expect(a2.dial(b.listenAddress())).rejects.toBeInstanceOf(Error)
    const err = await rejected
    expect(err).toMatchObject({ name: 'RejectedError', reason: 'filtered' })
    expect(err.message).toMatch(/ip<127\.0\.0\.1> already connected/)
  })

  it('runs custom connection filters on dials too', async () => {
    const b = await start()
    const a = await start({ connFilters: [(c) => { if (c.outbound) throw new Error('no outbound today') }] })
    await expect(a.dial(b.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'filtered' })
  })

  it('rejects a dial that names the wrong ID with AuthFailureError, before any NodeInfo is sent', async () => {
    const b = await start()
    const a = await start()
    const wrong = { ...b.listenAddress(), id: 'cd'.repeat(20) as NodeID }
    const err = (await a.dial(wrong).catch((e: Error) => e)) as Error
    expect(err).toMatchObject({ name: 'AuthFailureError', expected: wrong.id, actual: b.id.nodeKey.id })
    expect(err.message).toBe(`conn.ID (${b.id.nodeKey.id}) dialed ID (${wrong.id}) mismatch`)
  })

  it('reports a refused dial as DialError', async () => {
    const b = await start()
    const addr = b.listenAddress()
    await b.stop()
    const a = await start()
    await expect(a.dial(addr)).rejects.toMatchObject({ name: 'DialError' })
  })

  it('bounds concurrent inbound handshakes: 1000 silent dials cannot hold more than the limit', async () => {
    const limit = 16
    const t = await start({ maxPendingInbound: limit, handshakeTimeoutMs: 1500, allowDuplicateIp: true })
    let refused = 0
    let timedOut = 0
    t.addEventListener('connection:rejected', (e) => {
      const err = e.detail.error as Error & { reason?: string }
      if (err.name === 'RejectedError' && err.reason === 'too-many-handshakes') refused++
      if (err.name === 'TimeoutError') timedOut++
    })
    const attackers = await Promise.all(Array.from({ length: 1000 }, () => rawSocket(t.listenAddress())))
    // Every connection beyond the limit is closed as soon as the server accepts it; at most
    // `limit` hold a slot until their handshake times out.
    const open = new Set(attackers)
    for (const s of attackers) closedBy(s).then(() => open.delete(s))
    const until = Date.now() + 1200
    while (open.size > limit && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(open.size).toBeLessThanOrEqual(limit)
    // Once the slow ones time out, an honest peer gets in. The counts are read only after every
    // attacker is closed and the events have run: a client can see its socket close before the
    // listener's `connection:rejected` for it is dispatched.
    await Promise.all(attackers.map(closedBy))
    await new Promise((r) => setTimeout(r, 50))
    expect(refused).toBeGreaterThanOrEqual(1000 - limit)
    expect(timedOut).toBeLessThanOrEqual(limit)
    const honest = await start({ allowDuplicateIp: true })
    const accepted = acceptOne(t)
    await honest.dial(t.listenAddress())
    expect((await accepted).remoteInfo.id).toBe(honest.id.nodeKey.id)
  })
})

interface Box {
  got: Array<[number, Uint8Array]>
  closed: Promise<Error | undefined>
  waitFor(n: number): Promise<void>
}

function run(conn: PeerConnection): Box {
  const got: Box['got'] = []
  let wake: (() => void) | undefined
  let onClose!: (e?: Error) => void
  const closed = new Promise<Error | undefined>((r) => { onClose = r })
  conn.start(
    [
      { id: 0x20, priority: 5, sendQueueCapacity: 100 },
      { id: 0x21, priority: 10, sendQueueCapacity: 100 },
      { id: 0x40, priority: 1, sendQueueCapacity: 100, recvMessageCapacity: 4 * 1024 * 1024 }
    ],
    {
      onReceive: (ch, m) => {
        got.push([ch, m])
        wake?.()
      },
      onClose: (e) => onClose(e)
    }
  )
  return {
    got,
    closed,
    async waitFor(n) {
      while (got.length < n) await new Promise<void>((r) => { wake = r })
    }
  }
}

describe('Transport: two nodes over loopback', () => {
  async function pair(init: TcpTransportInit & StackInit = {}) {
    const a = await start({ allowDuplicateIp: true, ...init })
    const b = await start({ allowDuplicateIp: true, ...init })
    const accepted = acceptOne(b)
    const out = await a.dial(b.listenAddress())
    const inb = await accepted
    return { a, b, out, inb, outBox: run(out), inBox: run(inb) }
  }

  it('interleaves small and large messages on several channels, in order per channel', async () => {
    const { out, inBox } = await pair()
    const sent: Array<[number, Uint8Array]> = []
    for (let i = 0; i < 30; i++) {
      const ch = [0x20, 0x21, 0x40][i % 3] as number
      const msg = randomBytes(ch === 0x40 ? 300_000 + i : 1 + i * 7)
      sent.push([ch, msg])
      expect(await out.send(ch, msg)).toBe(true)
    }
    await inBox.waitFor(30)
    for (const ch of [0x20, 0x21, 0x40]) {
      const want = sent.filter(([c]) => c === ch).map(([, m]) => Buffer.from(m).toString('hex'))
      const have = inBox.got.filter(([c]) => c === ch).map(([, m]) => Buffer.from(m).toString('hex'))
      expect(have).toEqual(want)
    }
  })

  it('outlives its set-up deadlines: the handshake and NodeInfo timers do not close an established connection', async () => {
    const { out, inb, inBox, outBox } = await pair({ handshakeTimeoutMs: 60, nodeInfoTimeoutMs: 60, firstBytesTimeoutMs: 60 })
    await new Promise((r) => setTimeout(r, 250))
    expect(await out.send(0x20, Uint8Array.of(1))).toBe(true)
    expect(await inb.send(0x20, Uint8Array.of(2))).toBe(true)
    await inBox.waitFor(1)
    await outBox.waitFor(1)
    const race = await Promise.race([outBox.closed.then(() => 'closed'), inBox.closed.then(() => 'closed'), Promise.resolve('open')])
    expect(race).toBe('open')
  })

  it('keeps an idle connection alive with ping/pong', async () => {
    // Intervals wide enough that a loaded test machine's pauses (GC, a busy core) cannot pass
    // for a missing pong; the pong timeout itself is tested in mconn-keepalive.spec.ts.
    const { out, inb, inBox, outBox } = await pair({ mconnection: { sendRate: 0, recvRate: 0, pingIntervalMs: 300, pongTimeoutMs: 250 } })
    await new Promise((r) => setTimeout(r, 700))
    // Pings went both ways (bytes flowed with no message sent) and nobody timed out.
    expect(out.status().bytesSent).toBeGreaterThan(0)
    expect(inb.status().bytesSent).toBeGreaterThan(0)
    expect(await out.send(0x20, Uint8Array.of(7))).toBe(true)
    await inBox.waitFor(1)
    const race = await Promise.race([outBox.closed.then(() => 'closed'), Promise.resolve('open')])
    expect(race).toBe('open')
  })

  it('graceful close delivers what was queued, and the other side sees the close', async () => {
    const { out, inBox } = await pair()
    for (let i = 0; i < 20; i++) expect(out.trySend(0x20, Uint8Array.of(i))).toBe(true)
    await out.close({ flush: true })
    await inBox.waitFor(20)
    expect(inBox.got.map(([, m]) => m[0])).toEqual(Array.from({ length: 20 }, (_, i) => i))
    await inBox.closed
  })

  it('an abrupt close (the process dies) is seen by the other side', async () => {
    const { a, inb, inBox } = await pair()
    await a.stop()
    // The peer's end reports the lost connection as a typed error, and the connection is dead.
    expect(await inBox.closed).toMatchObject({ name: 'ConnectionClosedError' })
    expect(await inb.send(0x20, Uint8Array.of(1))).toBe(false)
  })
})

