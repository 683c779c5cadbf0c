import { ed25519 } from '@noble/curves/ed25519.js'
import { type HandshakeError, nodeIdFromPublicKey, type NodeKey } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeKeyFromSeed } from '../src/secret/ed25519.js'
import { secretHandshake } from '../src/secret/handshake.js'
import type { SecretConnection } from '../src/secret/secret-connection.js'
import { activeHandles, duplexPair, record, tcpPair, unhex, until } from './secret-helpers.js'
import { bytesField, delimited, type EvilOptions, evilPeer } from './secret-peer.js'

const randomKey = (): NodeKey => nodeKeyFromSeed(crypto.getRandomValues(new Uint8Array(32)))

async function expectHandshakeError(p: Promise<unknown>, stage: string, message: RegExp, causeName?: string): Promise<HandshakeError> {
  const err = (await p.then(
    () => {
      throw new Error('handshake unexpectedly succeeded')
    },
    (e: unknown) => e
  )) as HandshakeError
  expect(err.name).toBe('HandshakeError')
  expect(err.stage).toBe(stage)
  expect(err.message).toMatch(message)
  if (causeName !== undefined) expect((err.cause as Error | undefined)?.name).toBe(causeName)
  return err
}

/** Runs our handshake against the evil peer; returns our result promise and the raw stream. */
function againstEvil(opts: EvilOptions, timeoutMs = 2000) {
  const [ours, theirs] = duplexPair()
  const peer = evilPeer(theirs, opts)
  peer.catch(() => {})
  const result = secretHandshake(ours, randomKey(), { timeoutMs })
  return { result, peer, ours, theirs }
}

const opened: SecretConnection[] = []
afterEach(() => {
  for (const c of opened.splice(0)) c.close()
})

describe('secret handshake between two of ours', () => {
  it('authenticates both sides over an in-memory pipe and carries data both ways', async () => {
    const [x, y] = duplexPair()
    const kx = randomKey()
    const ky = randomKey()
    const [cx, cy] = await Promise.all([secretHandshake(x, kx), secretHandshake(y, ky)])
    opened.push(cx, cy)
    expect(cx.remotePublicKey).toEqual(ky.publicKey)
    expect(cy.remotePublicKey).toEqual(kx.publicKey)
    expect(cx.remoteId).toBe(ky.id)
    expect(cy.remoteId).toBe(kx.id)
    const rx = record(cx)
    const ry = record(cy)
    cx.write(new TextEncoder().encode('ping'))
    cy.write(new TextEncoder().encode('pong'))
    await until(() => rx.bytes().length === 4 && ry.bytes().length === 4)
    expect(new TextDecoder().decode(ry.bytes())).toBe('ping')
    expect(new TextDecoder().decode(rx.bytes())).toBe('pong')
  })

  it('works over loopback TCP and leaves no socket or timer behind after close', async () => {
    const before = activeHandles()
    const [a, b] = await tcpPair()
    const [ca, cb] = await Promise.all([secretHandshake(a, randomKey()), secretHandshake(b, randomKey())])
    const ra = record(ca)
    const rb = record(cb)
    const payload = crypto.getRandomValues(new Uint8Array(50_000))
    ca.write(payload)
    await until(() => rb.bytes().length === payload.length, 'payload over TCP')
    expect(rb.bytes()).toEqual(payload)
    ca.close()
    expect(await ra.ended).toBeUndefined()
    // The remote sees a clean end of stream at a frame boundary.
    expect(await rb.ended).toBeUndefined()
    await until(() => activeHandles() <= before, 'handles released')
    expect(ra.endCalls()).toBe(1)
    expect(rb.endCalls()).toBe(1)
  })

  it('completes many concurrent handshakes without deadlock', async () => {
    const pairs = Array.from({ length: 20 }, () => duplexPair())
    const conns = await Promise.all(pairs.flatMap(([x, y]) => [secretHandshake(x, randomKey()), secretHandshake(y, randomKey())]))
    opened.push(...conns)
    expect(conns.length).toBe(40)
  })

  it('fails the remote when our signature is refused, never hanging it', async () => {
    const [x, y] = duplexPair()
    const liar: NodeKey = { ...randomKey(), sign: () => new Uint8Array(64) }
    const [rx, ry] = await Promise.allSettled([secretHandshake(x, liar), secretHandshake(y, randomKey())])
    expect(ry.status).toBe('rejected')
    // Our liar side either saw the peer hang up or verified the honest peer before it did.
    if (rx.status === 'fulfilled') rx.value.close()
  })
})

describe('secret handshake against an independent (@noble) peer', () => {
  it('accepts a peer that follows the protocol exactly and proves its key', async () => {
    const seed = crypto.getRandomValues(new Uint8Array(32))
    const { result } = againstEvil({ seed })
    const conn = await result
    opened.push(conn)
    expect(conn.remotePublicKey).toEqual(ed25519.getPublicKey(seed))
    expect(conn.remoteId).toBe(nodeIdFromPublicKey(ed25519.getPublicKey(seed)))
  })

  it('sends first at both steps: a peer that answers only after reading ours does not deadlock', async () => {
    const { result } = againstEvil({ readFirst: true, waitForAuth: true })
    const conn = await result
    opened.push(conn)
    expect(conn.remoteId).toHaveLength(40)
  })

  it('delivers plaintext that followed the AuthSigMessage in the same frame', async () => {
    const { result } = againstEvil({ trailing: new TextEncoder().encode('early bytes') })
    const conn = await result
    opened.push(conn)
    const r = record(conn)
    await until(() => r.bytes().length === 11)
    expect(new TextDecoder().decode(r.bytes())).toBe('early bytes')
  })

  it('decrypts what we send and reads what it sends after the handshake', async () => {
    const { result, peer, theirs } = againstEvil({})
    const conn = await result
    opened.push(conn)
    const p = await peer
    if (p === undefined) throw new Error('peer failed')
    // Our AuthSig frame opens under nonce 0: 103 bytes, the delimited AuthSigMessage.
    expect(p.openFrame(await p.reader.read(1044)).length).toBe(103)
    conn.write(new TextEncoder().encode('to noble'))
    expect(new TextDecoder().decode(p.openFrame(await p.reader.read(1044)))).toBe('to noble')
    const r = record(conn)
    theirs.write(p.sendFrame(new TextEncoder().encode('from noble')))
    await until(() => r.bytes().length === 10)
    expect(new TextDecoder().decode(r.bytes())).toBe('from noble')
  })
})

describe('adversarial key exchange', () => {
  // Every X25519 input whose product with a clamped scalar is the identity: 0, 1, the two
  // order-8 points, p−1, p, p+1, and the same with bit 255 set (X25519 ignores it). Go rejects
  // them all because the shared secret is all zeros.
  const lowOrder = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000000',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    '0000000000000000000000000000000000000000000000000000000000000080',
    '0100000000000000000000000000000000000000000000000000000000000080',
    'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880',
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7'
  ]
  it.each(lowOrder)('rejects the low-order point %s', async (point) => {
    const { result, ours } = againstEvil({ ephPublicOverride: unhex(point) })
    await expectHandshakeError(result, 'key-exchange', /low order point/, 'ProtocolError')
    expect(ours.destroyed).toBe(true)
  })

  it('treats an empty or missing key as 32 zero bytes (low order), as Go', async () => {
    const { result } = againstEvil({ rawEphMessage: delimited(new Uint8Array(0)) })
    await expectHandshakeError(result, 'key-exchange', /low order point/)
    const short = againstEvil({ rawEphMessage: delimited(bytesField(1, new Uint8Array([1]))) })
    await expectHandshakeError(short.result, 'key-exchange', /low order point/)
  })

  it('rejects a peer that reflects our own ephemeral key', async () => {
    const { result } = againstEvil({ ephPublicOverride: (theirs) => theirs })
    await expectHandshakeError(result, 'key-exchange', /equals ours/)
  })

  it('rejects garbage instead of the BytesValue ("drop users;")', async () => {
    const { result } = againstEvil({ rawEphMessage: delimited(new TextEncoder().encode('drop users;')) })
    await expectHandshakeError(result, 'key-exchange', /proto/, 'ProtocolError')
  })

  it('rejects a BytesValue whose field 1 has the wrong wire type', async () => {
    const { result } = againstEvil({ rawEphMessage: delimited(Uint8Array.from([0x08, 0x01])) })
    await expectHandshakeError(result, 'key-exchange', /wrong wireType = 0 for field Value/)
  })

  it('refuses a length prefix over 1 MiB before reading the body', async () => {
    const { result } = againstEvil({ rawEphMessage: Uint8Array.from([0x81, 0x80, 0x40]) })
    await expectHandshakeError(result, 'key-exchange', /message exceeds max size \(1048577 > 1048576\)/, 'MessageTooLargeError')
  })

  it('refuses a length prefix that overflows 64 bits', async () => {
    const { result } = againstEvil({ rawEphMessage: new Uint8Array(11).fill(0xff) })
    await expectHandshakeError(result, 'key-exchange', /overflows/, 'ProtocolError')
  })

  it('fails with EOF when the peer hangs up before sending its key', async () => {
    const [ours, theirs] = duplexPair()
    const result = secretHandshake(ours, randomKey())
    theirs.end()
    await expectHandshakeError(result, 'key-exchange', /EOF/, 'ConnectionClosedError')
  })

  it('fails when the peer resets the stream', async () => {
    const [ours, theirs] = duplexPair()
    const result = secretHandshake(ours, randomKey())
    theirs.destroy()
    await expectHandshakeError(result, 'key-exchange', /EOF|closed/, 'ConnectionClosedError')
  })
})

describe('adversarial authentication', () => {
  it('fails with EOF when the peer stops after the key exchange', async () => {
    const [ours, theirs] = duplexPair()
    const result = secretHandshake(ours, randomKey())
    const peer = evilPeer(theirs, { auth: 'none' })
    await peer
    theirs.end()
    await expectHandshakeError(result, 'auth-sig', /EOF/, 'ConnectionClosedError')
  })

  it.each([
    ['a signature of random bytes', 'random-sig'],
    ['a signature over a different challenge', 'other-challenge'],
    ['a 63-byte signature', 'short-sig'],
    ['a valid signature under another key than the one claimed', 'other-key'],
    ['a malleated signature (S + L, non-canonical)', 'high-s']
  ] as const)('rejects %s', async (_d, auth) => {
    const { result } = againstEvil({ auth })
    await expectHandshakeError(result, 'auth-sig', /^challenge verification failed$/, 'ProtocolError')
  })

  it('rejects a secp256k1 key', async () => {
    const { result } = againstEvil({ auth: 'secp256k1' })
    await expectHandshakeError(result, 'auth-sig', /expected ed25519 pubkey, got secp256k1.PubKey/)
  })

  it.each([
    ['no key at all', delimited(bytesField(2, new Uint8Array(64))), /key type <nil> is not supported/],
    ['a 31-byte ed25519 key', delimited(bytesField(1, bytesField(1, new Uint8Array(31)))), /invalid size for PubKeyEd25519. Got 31, expected 32/],
    ['"select * from users;" in a BytesValue', delimited(bytesField(1, new TextEncoder().encode('select * from users;'))), /unexpected EOF|proto|size|not supported/]
  ])('rejects an AuthSigMessage with %s', async (_d, plaintext, message) => {
    const { result } = againstEvil({ auth: { plaintext } })
    await expectHandshakeError(result, 'auth-sig', message, 'ProtocolError')
  })

  it('rejects an AuthSig frame that does not decrypt', async () => {
    const { result } = againstEvil({ auth: { rawFrames: new Uint8Array(1044).fill(0x5a) } })
    await expectHandshakeError(result, 'auth-sig', /failed to decrypt SecretConnection/, 'ProtocolError')
  })

  it('refuses an AuthSigMessage declared over 1 MiB', async () => {
    const { result } = againstEvil({ auth: { plaintext: Uint8Array.from([0x81, 0x80, 0x40]) } })
    await expectHandshakeError(result, 'auth-sig', /exceeds max size/, 'MessageTooLargeError')
  })

  it('reassembles an AuthSigMessage spread over several frames, skipping unknown fields', async () => {
    const seed = crypto.getRandomValues(new Uint8Array(32))
    const { result } = againstEvil({ seed, authPrefix: bytesField(9, new Uint8Array(2500).fill(1)) })
    const conn = await result
    opened.push(conn)
    expect(conn.remotePublicKey).toEqual(ed25519.getPublicKey(seed))
  })
})

describe('handshake deadlines and cancellation', () => {
  it('times out on a peer that sends nothing, destroying the stream and leaving no timer', async () => {
    const before = activeHandles()
    const [ours] = duplexPair()
    const started = Date.now()
    const err = (await secretHandshake(ours, randomKey(), { timeoutMs: 80 }).then(
      () => new Error('unexpected success'),
      (e: unknown) => e
    )) as Error & { phase?: string }
    expect(err.name).toBe('TimeoutError')
    expect(err.phase).toBe('handshake')
    expect(Date.now() - started).toBeGreaterThanOrEqual(70)
    expect(ours.destroyed).toBe(true)
    expect(activeHandles()).toBeLessThanOrEqual(before)
  })

  it('times out on a peer that trickles one byte at a time (slowloris)', async () => {
    const [ours, theirs] = duplexPair()
    const message = delimited(bytesField(1, crypto.getRandomValues(new Uint8Array(32))))
    let i = 0
    const trickle = setInterval(() => {
      if (i < message.length && !theirs.destroyed) theirs.write(message.subarray(i, ++i))
    }, 10)
    try {
      const err = await secretHandshake(ours, randomKey(), { timeoutMs: 150 }).then(() => new Error('unexpected success'), (e: unknown) => e as Error)
      expect(err.name).toBe('TimeoutError')
      expect(i).toBeGreaterThan(2)
      expect(i).toBeLessThan(message.length)
    } finally {
      clearInterval(trickle)
    }
  })

  it('times out over real TCP and releases the socket', async () => {
    const before = activeHandles()
    const [a, b] = await tcpPair()
    const err = await secretHandshake(a, randomKey(), { timeoutMs: 60 }).then(() => new Error('unexpected success'), (e: unknown) => e as Error)
    expect(err.name).toBe('TimeoutError')
    b.destroy()
    await until(() => activeHandles() <= before, 'sockets released')
  })

  it('aborts on the signal mid-handshake, leaving no timer', async () => {
    const before = activeHandles()
    const [ours] = duplexPair()
    const ac = new AbortController()
    const p = secretHandshake(ours, randomKey(), { signal: ac.signal })
    setTimeout(() => ac.abort(), 10)
    const err = await p.then(() => new Error('unexpected success'), (e: unknown) => e as Error)
    expect(err.name).toBe('AbortError')
    expect(ours.destroyed).toBe(true)
    expect(activeHandles()).toBeLessThanOrEqual(before)
  })

  it('aborts at once on an aborted signal without writing anything', async () => {
    const [ours, theirs] = duplexPair()
    let received = 0
    theirs.on('data', (c: Uint8Array) => (received += c.length))
    const err = await secretHandshake(ours, randomKey(), { signal: AbortSignal.abort() }).then(() => new Error('unexpected success'), (e: unknown) => e as Error)
    expect(err.name).toBe('AbortError')
    expect(ours.destroyed).toBe(true)
    await new Promise((r) => setImmediate(r))
    expect(received).toBe(0)
  })

  it('refuses a node key that is not ed25519 before touching the stream', async () => {
    const [ours] = duplexPair()
    const bad: NodeKey = { ...randomKey(), publicKey: new Uint8Array(33) }
    const err = await secretHandshake(ours, bad).then(() => new Error('unexpected success'), (e: unknown) => e as Error)
    expect(err.name).toBe('InvalidArgumentError')
    expect(ours.destroyed).toBe(true)
  })

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])('refuses timeoutMs %s', async (timeoutMs) => {
    const [ours] = duplexPair()
    const err = await secretHandshake(ours, randomKey(), { timeoutMs }).then(
      () => new Error('unexpected success'),
      (e: unknown) => e as Error
    )
    expect(err.name).toBe('InvalidArgumentError')
    expect(ours.destroyed).toBe(true)
  })

  it('never puts key material in error messages', async () => {
    const key = randomKey()
    const [ours, theirs] = duplexPair()
    const result = secretHandshake(ours, key)
    const p = await evilPeer(theirs, { auth: 'random-sig' })
    const err = (await result.catch((e: unknown) => e)) as Error
    const text = `${err.message} ${String((err.cause as Error | undefined)?.message)}`
    expect(text).not.toMatch(/[0-9a-f]{16}/i)
    expect(p).toBeDefined()
  })
})
