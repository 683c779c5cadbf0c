import { connect, type Socket } from 'node:net'
import { type NetAddress, type NodeID, type NodeInfo, type PeerFilter, RejectedError, type Transport } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryNetwork, memoryTransport, type StackInit, type TcpTransportInit, tcpTransport } from '../src/index.js'
import { type TestIdentity, testIdentity } from './helpers/identity.js'

const transports: Transport[] = []
const sockets = new Set<Socket>()

afterEach(async () => {
  for (const s of sockets) s.destroy()
  sockets.clear()
  await Promise.all(transports.splice(0).map((t) => t.stop()))
})

async function start(init: TcpTransportInit & StackInit = {}, peerFilter?: PeerFilter, id: TestIdentity = testIdentity()): Promise<Transport & { id: TestIdentity }> {
  const t = tcpTransport({ listen: '127.0.0.1:0', mconnection: { sendRate: 0, recvRate: 0 }, ...init })({
    nodeKey: id.nodeKey,
    nodeInfo: () => id.nodeInfo,
    ...(peerFilter === undefined ? {} : { peerFilter })
  })
  await t.start()
  transports.push(t)
  return Object.assign(t, { id })
}

function rejections(t: Transport): Error[] {
  const out: Error[] = []
  t.addEventListener('connection:rejected', (e) => out.push(e.detail.error))
  return out
}

function nextRejection(t: Transport): Promise<Error> {
  return new Promise((resolve) => t.addEventListener('connection:rejected', (e) => resolve(e.detail.error), { once: true }))
}

/** A raw socket from `localAddress` (127.0.1.x gives distinct source IPs on loopback). */
function rawSocket(addr: NetAddress, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: addr.ip, port: addr.port, localAddress })
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
}

/** Everything `s` receives until the server closes it. */
function readAll(s: Socket): Promise<number> {
  return new Promise((resolve) => {
    let n = 0
    s.on('data', (c: Buffer) => { n += c.length })
    s.on('error', () => {})
    s.once('close', () => resolve(n))
    s.resume()
  })
}

describe('Transport: PeerFilter stages', () => {
  it('denyInboundConnection refuses a denied IP before any handshake byte', async () => {
    const asked: string[] = []
    let authenticated = 0
    const t = await start({}, {
      denyInboundConnection: (raw) => {
        asked.push(raw.remoteIp)
        return raw.remoteIp === '127.0.1.5'
      },
      denyAuthenticated: () => {
        authenticated++
        return false
      }
    })
    const rejected = nextRejection(t)
    const s = await rawSocket(t.listenAddress(), '127.0.1.5')
    // We never sent our ephemeral key: the socket sees no byte before the close.
    expect(await readAll(s)).toBe(0)
    expect(await rejected).toMatchObject({ name: 'RejectedError', reason: 'filtered', addr: expect.stringMatching(/^127\.0\.1\.5:/) })
    expect(asked).toEqual(['127.0.1.5'])
    expect(authenticated).toBe(0)
  })

  it('denyOutboundConnection refuses before a socket is opened', async () => {
    const b = await start()
    const bRejected = rejections(b)
    const a = await start({}, { denyOutboundConnection: (addr) => addr.id === b.id.nodeKey.id })
    const aRejected = nextRejection(a)
    await expect(a.dial(b.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'filtered', id: b.id.nodeKey.id })
    expect(await aRejected).toMatchObject({ name: 'RejectedError', reason: 'filtered' })
    await new Promise((r) => setTimeout(r, 50))
    expect(bRejected).toEqual([])
  })

  it('denyAuthenticated sees the proven ID and refuses before the NodeInfo exchange', async () => {
    const b = await start()
    const seen: NodeID[] = []
    const a = await start({}, {
      denyAuthenticated: (id) => {
        seen.push(id)
        return true
      }
    })
    await expect(a.dial(b.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'filtered', id: b.id.nodeKey.id })
    expect(seen).toEqual([b.id.nodeKey.id])
  })

  it('denyNodeInfo sees the validated NodeInfo, on inbound connections too', async () => {
    const seen: NodeInfo[] = []
    const b = await start({}, {
      denyNodeInfo: (info) => {
        seen.push(info)
        return info.moniker.startsWith('node-')
      }
    })
    const a = await start()
    const rejected = nextRejection(b)
    await a.dial(b.listenAddress()).catch(() => {})
    expect(await rejected).toMatchObject({ name: 'RejectedError', reason: 'filtered', id: a.id.nodeKey.id })
    expect(seen.map((i) => i.id)).toEqual([a.id.nodeKey.id])
  })

  it('passes a filter\'s own RejectedError of reason banned through; other throws become filtered', async () => {
    const b = await start()
    const banned = await start({}, {
      denyAuthenticated: () => {
        throw new RejectedError('banned', 'banned until tomorrow')
      }
    })
    await expect(banned.dial(b.listenAddress())).rejects.toMatchObject({ name: 'RejectedError', reason: 'banned', message: 'banned until tomorrow' })
    const c = await start()
    const broken = await start({}, {
      denyNodeInfo: () => {
        throw new Error('database down')
      }
    })
    const err = (await broken.dial(c.listenAddress()).catch((e: Error) => e)) as RejectedError
    expect(err).toMatchObject({ name: 'RejectedError', reason: 'filtered' })
    expect((err.cause as Error).message).toBe('database down')
  })

  it('the memory transport asks the same stages', async () => {
    const network = new MemoryNetwork()
    const stages: string[] = []
    const make = async (id: TestIdentity, filter?: PeerFilter): Promise<Transport> => {
      const t = memoryTransport({ network })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo, ...(filter === undefined ? {} : { peerFilter: filter }) })
      await t.start()
      transports.push(t)
      return t
    }
    const filter: PeerFilter = {
      denyInboundConnection: () => { stages.push('inbound'); return false },
      denyAuthenticated: () => { stages.push('authenticated'); return false },
      denyNodeInfo: () => { stages.push('node-info'); return true }
    }
    const b = await make(testIdentity(), filter)
    const a = await make(testIdentity(), { denyOutboundConnection: () => { stages.push('outbound'); return false } })
    const rejected = nextRejection(b)
    await a.dial(b.listenAddress()).catch(() => {})
    expect(await rejected).toMatchObject({ name: 'RejectedError', reason: 'filtered' })
    expect(stages).toEqual(['outbound', 'inbound', 'authenticated', 'node-info'])
  })
})

describe('Transport: half-open floods (issue 10 hole 2)', () => {
  it('keeps ≥ 90 % of honest dials working while 80 IPs reopen silent sockets (~43/s)', async () => {
    const t = await start({ maxPendingInbound: 64 })
    let served = 0
    void (async () => {
      for await (const c of t.accept()) {
        await c.close()
        served++
      }
    })()
    // One new silent socket every 23 ms (~43/s), round-robin over 80 source IPs; each is held
    // until the server closes it.
    const ips = Array.from({ length: 80 }, (_, i) => `127.0.1.${i + 1}`)
    let next = 0
    const flood = setInterval(() => {
      rawSocket(t.listenAddress(), ips[next++ % ips.length]).then(readAll, () => {})
    }, 23)
    await new Promise((r) => setTimeout(r, 1900))
    let ok = 0
    for (let i = 0; i < 15; i++) {
      const honest = await start()
      const conn = await honest.dial(t.listenAddress()).catch(() => undefined)
      if (conn !== undefined) {
        ok++
        await conn.close()
        // The next honest dial comes from the same IP, and the listener refuses a second
        // connection from an IP (allowDuplicateIp is off): wait until it has let this one go. A
        // dialler finishes before the listener does (it has the listener's NodeInfo early).
        for (let w = 0; w < 300 && served < ok; w++) await new Promise((r) => setTimeout(r, 10))
      }
      await honest.stop()
    }
    clearInterval(flood)
    expect(ok).toBeGreaterThanOrEqual(14)
  })

  it('caps pending handshakes per IP and refuses only when no slot is stalled', async () => {
    const t = await start({ maxPendingInbound: 4, maxPendingPerIp: 2, allowDuplicateIp: true, firstBytesTimeoutMs: 5000 })
    const errors = rejections(t)
    // Two from one IP hold their slots; the third from that IP is refused.
    const a1 = await rawSocket(t.listenAddress(), '127.0.1.10')
    const a2 = await rawSocket(t.listenAddress(), '127.0.1.10')
    const a3 = await rawSocket(t.listenAddress(), '127.0.1.10')
    await readAll(a3)
    expect(errors.at(-1)).toMatchObject({ name: 'RejectedError', reason: 'too-many-handshakes', message: expect.stringMatching(/from 127\.0\.1\.10/) })
    // Two more fill the table; a fifth evicts the oldest silent one (a1) instead of being refused.
    await rawSocket(t.listenAddress(), '127.0.1.11')
    await rawSocket(t.listenAddress(), '127.0.1.12')
    const a1Closed = readAll(a1)
    await rawSocket(t.listenAddress(), '127.0.1.13')
    await a1Closed
    expect(errors.at(-1)).toMatchObject({ name: 'RejectedError', reason: 'too-many-handshakes', message: expect.stringMatching(/evicted .* from 127\.0\.1\.10/) })
    expect(a2.destroyed).toBe(false)
  })

  it('drops a socket that sends nothing within firstBytesTimeoutMs', async () => {
    const t = await start({ firstBytesTimeoutMs: 100 })
    const rejected = nextRejection(t)
    const s = await rawSocket(t.listenAddress(), '127.0.1.20')
    expect(await readAll(s)).toBe(0)
    expect(await rejected).toMatchObject({ name: 'TimeoutError', phase: 'handshake', message: 'no handshake bytes within 100 ms' })
  })
})

describe('Transport: many concurrent handshakes (issue 10 hole 5)', () => {
  it('holds 24 inbound handshakes at once without a MaxListenersExceededWarning', async () => {
    const warnings: string[] = []
    const onWarning = (w: Error): void => { warnings.push(w.name) }
    process.on('warning', onWarning)
    try {
      const t = await start({ allowDuplicateIp: true })
      const rejected = rejections(t)
      // Half of them stall before the handshake, half inside it (after our ephemeral key).
      const held = await Promise.all(Array.from({ length: 24 }, (_, i) => rawSocket(t.listenAddress(), `127.0.1.${100 + i}`)))
      for (const s of held.slice(12)) s.write(Uint8Array.of(0x22))
      await new Promise((r) => setTimeout(r, 300))
      expect(rejected).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning')
  })
})
