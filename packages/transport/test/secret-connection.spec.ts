import type { Duplex } from 'node:stream'
import type { NodeKey } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeCryptoAead } from '../src/secret/aead.js'
import { nodeKeyFromSeed } from '../src/secret/ed25519.js'
import { FrameReader } from '../src/secret/frame-reader.js'
import { FrameWriter } from '../src/secret/frame-writer.js'
import { secretHandshake } from '../src/secret/handshake.js'
import { Nonce } from '../src/secret/nonce.js'
import { SecretConnection } from '../src/secret/secret-connection.js'
import { StreamDriver } from '../src/secret/stream-driver.js'
import { activeHandles, collect, duplexPair, record, tcpPair, until } from './secret-helpers.js'
import { type EvilResult, evilPeer } from './secret-peer.js'

const randomKey = (): NodeKey => nodeKeyFromSeed(crypto.getRandomValues(new Uint8Array(32)))
const random = (n: number): Uint8Array => {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)))
  return out
}

const opened: SecretConnection[] = []
afterEach(() => {
  for (const c of opened.splice(0)) c.close()
})

async function ourPair(): Promise<[SecretConnection, SecretConnection, Duplex, Duplex]> {
  const [x, y] = duplexPair()
  const [cx, cy] = await Promise.all([secretHandshake(x, randomKey()), secretHandshake(y, randomKey())])
  opened.push(cx, cy)
  return [cx, cy, x, y]
}

/** Our connection facing the @noble peer, whose raw side the test drives. */
async function facingEvil(): Promise<{ conn: SecretConnection; peer: EvilResult; raw: Duplex }> {
  const [ours, raw] = duplexPair()
  const [conn, peer] = await Promise.all([secretHandshake(ours, randomKey()), evilPeer(raw)])
  if (peer === undefined) throw new Error('peer failed')
  opened.push(conn)
  // Our AuthSig frame, so the peer's receive nonce is where ours will be.
  peer.openFrame(await peer.reader.read(1044))
  return { conn, peer, raw }
}

describe('SecretConnection data transfer', () => {
  it("round-trips Go's TestSecretConnectionReadWrite mix (100 writes of 1..5120 bytes each way)", async () => {
    const [cx, cy] = await ourPair()
    const rx = record(cx)
    const ry = record(cy)
    const sent = (conn: SecretConnection): Uint8Array => {
      const parts = Array.from({ length: 100 }, () => random(1 + Math.floor(Math.random() * 5120)))
      for (const p of parts) conn.write(p)
      return new Uint8Array(Buffer.concat(parts))
    }
    const toY = sent(cx)
    const toX = sent(cy)
    await until(() => ry.bytes().length === toY.length && rx.bytes().length === toX.length, 'all data')
    expect(ry.bytes()).toEqual(toY)
    expect(rx.bytes()).toEqual(toX)
    cx.close()
    expect(await ry.ended).toBeUndefined()
    expect(await rx.ended).toBeUndefined()
  })

  it('puts exactly ceil(n / 1024) frames of 1044 bytes on the wire per write, none for an empty write', async () => {
    const [ours, raw] = duplexPair()
    const [conn, peer] = await Promise.all([secretHandshake(ours, randomKey()), evilPeer(raw)])
    if (peer === undefined) throw new Error('peer failed')
    opened.push(conn)
    peer.openFrame(await peer.reader.read(1044))
    for (const n of [0, 1, 1023, 1024, 1025, 3000]) {
      const data = random(n)
      conn.write(data)
      const frames = Math.ceil(n / 1024)
      let got = new Uint8Array(0)
      for (let i = 0; i < frames; i++) got = new Uint8Array([...got, ...peer.openFrame(await peer.reader.read(1044))])
      expect(got).toEqual(data)
    }
    // Nothing else arrived: the empty write wrote no frame.
    conn.write(new Uint8Array([7]))
    expect(peer.openFrame(await peer.reader.read(1044))).toEqual(new Uint8Array([7]))
  })

  it('reassembles frames from arbitrary chunking, down to single bytes', async () => {
    const { conn, peer, raw } = await facingEvil()
    const r = record(conn)
    const payload = random(5000)
    const wire: number[] = []
    for (let i = 0; i < payload.length; i += 1024) wire.push(...peer.sendFrame(payload.subarray(i, i + 1024)))
    const bytes = Uint8Array.from(wire)
    let i = 0
    while (i < bytes.length) {
      const n = i < 2000 ? 1 : 1 + Math.floor(Math.random() * 3000)
      raw.write(bytes.subarray(i, i + n))
      i += n
    }
    await until(() => r.bytes().length === payload.length)
    expect(r.bytes()).toEqual(payload)
  })

  it('accepts a zero-length frame and delivers nothing for it', async () => {
    const { conn, peer, raw } = await facingEvil()
    const r = record(conn)
    raw.write(peer.sealRaw(new Uint8Array(1028)))
    raw.write(peer.sendFrame(Uint8Array.of(9)))
    await until(() => r.bytes().length === 1)
    expect(r.chunks.every((c) => c.length > 0)).toBe(true)
  })

  it('writes from many callers in one tick keep their order and consecutive nonces', async () => {
    const { conn, peer } = await facingEvil()
    const writes = Array.from({ length: 50 }, (_, i) => Uint8Array.of(i, i, i))
    for (const w of writes) conn.write(w)
    for (const w of writes) expect(peer.openFrame(await peer.reader.read(1044))).toEqual(w)
  })

  it('moves 4 MiB over loopback TCP with backpressure and drained()', async () => {
    const before = activeHandles()
    const [a, b] = await tcpPair()
    const [ca, cb] = await Promise.all([secretHandshake(a, randomKey()), secretHandshake(b, randomKey())])
    const rb = record(cb)
    const ra = record(ca)
    const payload = random(4 * 1024 * 1024)
    let sawBackpressure = false
    for (let i = 0; i < payload.length; i += 65536) {
      if (!ca.write(payload.subarray(i, i + 65536))) {
        sawBackpressure = true
        await ca.drained()
      }
    }
    await until(() => rb.bytes().length === payload.length, '4 MiB')
    expect(sawBackpressure).toBe(true)
    expect(Buffer.compare(rb.bytes(), payload)).toBe(0)
    cb.close()
    expect(await ra.ended).toBeUndefined()
    await until(() => activeHandles() <= before, 'handles released')
  })
})

describe('SecretConnection flow control and lifecycle', () => {
  it('pause() stops delivery and the socket; resume() delivers what was held', async () => {
    const [cx, cy, , y] = await ourPair()
    const ry = record(cy)
    cy.pause()
    cx.write(random(10_000))
    await new Promise((r) => setTimeout(r, 30))
    expect(ry.bytes().length).toBe(0)
    expect(y.isPaused()).toBe(true)
    cy.resume()
    await until(() => ry.bytes().length === 10_000)
  })

  it('pause() inside onData holds the rest until resume()', async () => {
    const [cx, cy] = await ourPair()
    let got = 0
    cy.start({
      onData: (c) => {
        got += c.length
        cy.pause()
      },
      onEnd: () => {}
    })
    cx.write(random(200 * 1024))
    await until(() => got > 0)
    await new Promise((r) => setTimeout(r, 20))
    expect(got).toBeLessThanOrEqual(64 * 1024)
    const held = got
    cy.resume()
    await until(() => got > held)
  })

  it('close(err) reports onEnd(err) once, then write throws and drained rejects', async () => {
    const [cx] = await ourPair()
    const rx = record(cx)
    const reason = new Error('done')
    cx.close(reason)
    cx.close()
    expect(await rx.ended).toBe(reason)
    expect(rx.endCalls()).toBe(1)
    expect(cx.closed).toBe(true)
    expect(() => cx.write(Uint8Array.of(1))).toThrow(expect.objectContaining({ name: 'ConnectionClosedError' }))
    await expect(cx.drained()).rejects.toMatchObject({ name: 'ConnectionClosedError' })
  })

  it('start() after close reports the end at once; start() twice throws', async () => {
    const [cx, cy] = await ourPair()
    cx.close()
    const r = record(cx)
    expect(await r.ended).toBeUndefined()
    record(cy)
    expect(() => cy.start({ onData: () => {}, onEnd: () => {} })).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })

  it('an exception thrown by onData closes the connection with it', async () => {
    const [cx, cy] = await ourPair()
    const boom = new Error('consumer bug')
    let ended: Error | undefined
    cy.start({
      onData: () => {
        throw boom
      },
      onEnd: (e) => (ended = e)
    })
    cx.write(Uint8Array.of(1))
    await until(() => ended !== undefined)
    expect(ended).toBe(boom)
  })
})

describe('SecretConnection against hostile frames', () => {
  it('closes with ProtocolError on a length field over 1024, after delivering earlier data', async () => {
    const { conn, peer, raw } = await facingEvil()
    const r = record(conn)
    raw.write(peer.sendFrame(Uint8Array.of(1, 2, 3)))
    const evil = new Uint8Array(1028)
    new DataView(evil.buffer).setUint32(0, 1025, true)
    raw.write(peer.sealRaw(evil))
    raw.write(peer.sendFrame(Uint8Array.of(4)))
    const err = await r.ended
    expect(err?.name).toBe('ProtocolError')
    expect(err?.message).toBe('chunkLength is greater than dataMaxSize')
    expect(r.bytes()).toEqual(Uint8Array.of(1, 2, 3))
    expect(conn.closed).toBe(true)
    expect(raw.destroyed || (await until(() => raw.destroyed).then(() => true))).toBe(true)
  })

  it.each([0, 500, 1027, 1030, 1043])('closes with ProtocolError when ciphertext/tag byte %i is flipped', async (pos) => {
    const { conn, peer, raw } = await facingEvil()
    const r = record(conn)
    const frame = peer.sendFrame(Uint8Array.of(1))
    frame[pos] = (frame[pos] as number) ^ 0x01
    raw.write(frame)
    const err = await r.ended
    expect(err?.name).toBe('ProtocolError')
    expect(err?.message).toMatch(/failed to decrypt SecretConnection: chacha20poly1305: message authentication failed/)
    expect(r.bytes().length).toBe(0)
  })

  it('rejects a replayed frame (the nonce is implicit)', async () => {
    const { conn, peer, raw } = await facingEvil()
    const r = record(conn)
    const frame = peer.sendFrame(Uint8Array.of(1))
    raw.write(frame)
    raw.write(frame)
    expect((await r.ended)?.name).toBe('ProtocolError')
    expect(r.bytes()).toEqual(Uint8Array.of(1))
  })

  it('closes with ProtocolError when the stream ends inside a frame', async () => {
    const { conn, peer, raw } = await facingEvil()
    const r = record(conn)
    raw.write(peer.sendFrame(Uint8Array.of(5)))
    raw.write(peer.sendFrame(Uint8Array.of(6)).subarray(0, 600))
    raw.end()
    const err = await r.ended
    expect(err?.name).toBe('ProtocolError')
    expect(err?.message).toMatch(/ended inside a frame \(600 of 1044/)
    expect(r.bytes()).toEqual(Uint8Array.of(5))
  })

  it('ends cleanly when the stream ends on a frame boundary', async () => {
    const { conn, peer, raw } = await facingEvil()
    const r = record(conn)
    raw.write(peer.sendFrame(Uint8Array.of(5)))
    raw.end()
    expect(await r.ended).toBeUndefined()
    expect(r.bytes()).toEqual(Uint8Array.of(5))
  })

  it('garbage after the handshake closes the connection, never the process', async () => {
    const { conn, raw } = await facingEvil()
    const r = record(conn)
    raw.write(random(5000))
    expect((await r.ended)?.name).toBe('ProtocolError')
  })
})

describe('nonce exhaustion', () => {
  function rawConnection(writerStart: bigint, readerStart: bigint): { conn: SecretConnection; raw: Duplex; key: Uint8Array } {
    const [ours, raw] = duplexPair()
    const key = random(32)
    const driver = new StreamDriver(ours)
    const writer = new FrameWriter(nodeCryptoAead.create(key), new Nonce(writerStart))
    const reader = new FrameReader(nodeCryptoAead.create(key), new Nonce(readerStart), driver.buffer)
    const conn = new SecretConnection(driver, writer, reader, randomKey().publicKey, new Uint8Array(0))
    opened.push(conn)
    return { conn, raw, key }
  }

  it('refuses to send under the last nonce and closes with ProtocolError', async () => {
    const { conn, raw } = rawConnection(0xfffffffffffffffen, 0n)
    const r = record(conn)
    const wire = collect(raw)
    conn.write(Uint8Array.of(1))
    expect(() => conn.write(Uint8Array.of(2))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    expect((await r.ended)?.message).toMatch(/can't increase nonce without overflow/)
    await wire.ended
    expect(wire.bytes().length).toBe(1044)
  })

  it('refuses to open under the last nonce and closes with ProtocolError', async () => {
    const { conn, raw, key } = rawConnection(0n, 0xfffffffffffffffen)
    const r = record(conn)
    const peerWriter = new FrameWriter(nodeCryptoAead.create(key), new Nonce(0xfffffffffffffffen))
    raw.write(peerWriter.seal(Uint8Array.of(1)))
    // Sealed by hand under the last nonce, which our reader refuses to use.
    const last = new Nonce(0xffffffffffffffffn)
    const sealed = new Uint8Array(1044)
    const plain = new Uint8Array(1028)
    plain[0] = 1
    nodeCryptoAead.create(key).seal(last.bytes, plain, sealed, 0)
    raw.write(sealed)
    const err = await r.ended
    expect(err?.message).toMatch(/can't increase nonce without overflow/)
    expect(r.bytes()).toEqual(Uint8Array.of(1))
  })
})

describe('set-up writes (StreamDriver.writeSoon)', () => {
  // The set-up queues its messages to leave in one write at the end of the turn; any other write
  // path must not overtake them.
  const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs)

  it('joins what one turn queues into one write, after the turn', async () => {
    const [ours, theirs] = duplexPair()
    const chunks: Uint8Array[] = []
    theirs.on('data', (c: Uint8Array) => chunks.push(Uint8Array.from(c)))
    const driver = new StreamDriver(ours)
    driver.writeSoon(bytes(1, 2))
    driver.writeSoon(bytes(3))
    expect(chunks).toEqual([])
    await until(() => chunks.length > 0, 'the joined write')
    expect(chunks).toEqual([bytes(1, 2, 3)])
    driver.destroy()
  })

  it('a corked or plain write in the same turn goes after what was queued', async () => {
    const [ours, theirs] = duplexPair()
    const got = collect(theirs)
    const driver = new StreamDriver(ours)
    driver.writeSoon(bytes(1))
    driver.writeCorked(bytes(2))
    driver.writeSoon(bytes(3))
    driver.write(bytes(4))
    driver.writeSoon(bytes(5))
    await until(() => got.bytes().length === 5, 'all five bytes')
    expect(got.bytes()).toEqual(bytes(1, 2, 3, 4, 5))
    driver.destroy()
  })

  it('destroy sends what is queued first', async () => {
    const [ours, theirs] = duplexPair()
    const got = collect(theirs)
    const driver = new StreamDriver(ours)
    driver.writeSoon(bytes(7, 8))
    driver.destroy()
    await got.ended
    expect(got.bytes()).toEqual(bytes(7, 8))
  })
})
