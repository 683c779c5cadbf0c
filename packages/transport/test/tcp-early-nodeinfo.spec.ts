import { createServer, connect, type Server, type Socket } from 'node:net'
import type { Transport } from '@p2p/types'
import { encodeDelimited, peekDelimited } from '@p2p/types/wire'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeNodeInfo, type TcpTransportInit, tcpTransport } from '../src/index.js'
import { type TestIdentity, testIdentity } from './helpers/identity.js'
import { nodeKeyFromSeed } from '../src/secret/ed25519.js'
import { runSecretHandshake } from '../src/secret/handshake.js'
import { duplexPair } from './secret-helpers.js'
import { evilPeer } from './secret-peer.js'

// The listener's NodeInfo travels in the frame of its auth signature (one write, one round
// fewer); a dialler proves the dialled ID before it sends a NodeInfo byte.

const transports: Transport[] = []
const sockets: Socket[] = []
const servers: Server[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) s.close()
  await Promise.all(transports.splice(0).map((t) => t.stop()))
})

async function start(init: TcpTransportInit = {}, id: TestIdentity = testIdentity()): Promise<Transport & { id: TestIdentity }> {
  const t = tcpTransport({ listen: '127.0.0.1:0', ...init })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo })
  await t.start()
  transports.push(t)
  return Object.assign(t, { id })
}

async function rawSocketTo(t: Transport): Promise<Socket> {
  const a = t.listenAddress()
  const s = connect({ host: a.ip, port: a.port })
  sockets.push(s)
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve)
    s.once('error', reject)
  })
  return s
}

/** The plaintext of the first sealed frame the other side sends, its auth signature cut off. */
async function afterAuthSig(peer: NonNullable<Awaited<ReturnType<typeof evilPeer>>>): Promise<Uint8Array> {
  const plain = peer.openFrame(await peer.reader.read(1044))
  const auth = peekDelimited(plain, 1024)
  expect(auth.complete).toBe(true)
  return plain.subarray(auth.total)
}

describe('early NodeInfo (inbound)', () => {
  it('a listener sends its NodeInfo in the frame of its auth signature, before it has ours', async () => {
    const listener = await start()
    const s = await rawSocketTo(listener)
    // A peer that sends its key and never signs: the old order would send nothing more.
    const peer = await evilPeer(s, { auth: 'none' })
    if (peer === undefined) throw new Error('no handshake')
    const rest = await afterAuthSig(peer)
    expect(Buffer.from(rest).toString('hex')).toBe(Buffer.from(encodeDelimited(encodeNodeInfo(listener.id.nodeInfo))).toString('hex'))
  })

  it('earlyNodeInfo: false keeps Go order: the auth signature frame holds nothing else', async () => {
    const listener = await start({ earlyNodeInfo: false })
    const s = await rawSocketTo(listener)
    const peer = await evilPeer(s, { auth: 'none' })
    if (peer === undefined) throw new Error('no handshake')
    expect((await afterAuthSig(peer)).length).toBe(0)
  })

  it('a NodeInfo larger than a frame follows the signature over several frames', async () => {
    const big = testIdentity()
    const bigInfo = { ...big.nodeInfo, moniker: 'm'.repeat(3000) }
    const listener = await start({}, { nodeKey: big.nodeKey, nodeInfo: bigInfo })
    const dialler = await start()
    const accepted = (async () => {
      for await (const c of listener.accept()) return c
    })()
    const conn = await dialler.dial(listener.listenAddress())
    expect(conn.remoteInfo.moniker).toBe(bigInfo.moniker)
    expect((await accepted)?.remoteInfo.id).toBe(dialler.id.nodeKey.id)
    await conn.close()
  })

  it('a peer that then fails its signature is still refused at the handshake', async () => {
    const listener = await start()
    const rejected = new Promise<Error>((resolve) =>
      listener.addEventListener('connection:rejected', (e) => resolve(e.detail.error), { once: true })
    )
    const s = await rawSocketTo(listener)
    await evilPeer(s, { auth: 'random-sig' })
    const err = await rejected
    expect(err.name).toBe('HandshakeError')
    expect(err.message).toMatch(/challenge verification failed/)
  })
})

describe('no early NodeInfo (outbound)', () => {
  it('a dialler sends only its auth signature until the dialled ID is proven', async () => {
    const dialler = await start()
    const server = createServer()
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve))
    const target = testIdentity()
    const dial = dialler.dial({ id: target.nodeKey.id, ip: '127.0.0.1', port }).catch((err: Error) => err)
    const s = await accepted
    sockets.push(s)
    const peer = await evilPeer(s, { auth: 'none' })
    if (peer === undefined) throw new Error('no handshake')
    expect((await afterAuthSig(peer)).length).toBe(0)
    s.destroy()
    expect(await dial).toBeInstanceOf(Error)
  })
})

describe('a listener holds its key only when told to (a busy listener)', () => {
  /** The sizes of the chunks the listener writes until its signature frame is out. */
  async function firstWrites(holdKey: boolean): Promise<number[]> {
    const [ours, theirs] = duplexPair()
    const sizes: number[] = []
    theirs.on('data', (c: Uint8Array) => sizes.push(c.length))
    const key = nodeKeyFromSeed(crypto.getRandomValues(new Uint8Array(32)))
    // Inbound: the handshake waits for the peer's first bytes, so the peer's key is here first.
    const handshake = runSecretHandshake(ours, key, {}, {}, { firstBytesTimeoutMs: 1000, holdKey }).catch(() => undefined)
    const peer = evilPeer(theirs, { auth: 'none' })
    await peer
    for (let i = 0; i < 100 && sizes.reduce((a, b) => a + b, 0) < 35 + 1044; i++) await new Promise((r) => setImmediate(r))
    ours.destroy()
    await handshake
    return sizes
  }

  it('alone: its key goes at once, the signature frame after it', async () => {
    expect((await firstWrites(false)).slice(0, 2)).toEqual([35, 1044])
  })

  it('busy: key and signature frame leave in one write', async () => {
    expect((await firstWrites(true))[0]).toBe(35 + 1044)
  })
})
