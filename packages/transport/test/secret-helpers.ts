import { readFileSync } from 'node:fs'
import { createServer, type Socket, connect } from 'node:net'
import { Duplex } from 'node:stream'
import type { ByteStreamHandlers } from '../src/byte-stream.js'
import type { SecretConnection } from '../src/secret/secret-connection.js'

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

export interface SideVector {
  ed25519_seed: string
  ed25519_pubkey: string
  node_id: string
  eph_x25519_priv: string
  eph_x25519_pub: string
  loc_is_least: boolean
  recv_secret: string
  send_secret: string
  challenge_signature: string
  auth_sig_message_delimited: string
  handshake_writes: string[]
  auth_frame_plaintext: string
  auth_frame_if_zero_padded: string
}

export interface MessageVector {
  desc: string
  plaintext_hex: string
  plaintext_len: number
  wire_frames: string[]
  nonces: string[]
  wire_bytes: string
  wire_frame_plaintexts: string[]
  go_padding_was_zero: boolean
  wire_bytes_if_zero_padded: string
}

export interface HandshakeCase {
  name: string
  a: SideVector
  b: SideVector
  lo_eph_pub: string
  hi_eph_pub: string
  dh_secret: string
  hkdf_output_96: string
  challenge: string
  messages_a_to_b: MessageVector[]
  messages_b_to_a: MessageVector[]
}

const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname

export function loadHandshakeVectors(): { cases: HandshakeCase[]; constants: Record<string, string | number> } {
  return JSON.parse(readFileSync(fixture('secret_connection_handshake.json'), 'utf8'))
}

export interface GoldenLine {
  dh: string
  locIsLeast: boolean
  recv: string
  send: string
  oldChallenge: string
}

export function loadGolden(): GoldenLine[] {
  return readFileSync(fixture('TestDeriveSecretsAndChallengeGolden.golden'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [dh, least, recv, send, old] = l.split(',')
      return { dh: dh ?? '', locIsLeast: least === 'true', recv: recv ?? '', send: send ?? '', oldChallenge: old ?? '' }
    })
}

/**
 * Two connected in-memory duplex streams with backpressure (a write completes once the peer's
 * read buffer has room); destroying one ends and then destroys the other, like a TCP reset.
 */
export function duplexPair(): [Duplex, Duplex] {
  const a = new Endpoint()
  const b = new Endpoint()
  a.peer = b
  b.peer = a
  return [a, b]
}

class Endpoint extends Duplex {
  peer!: Endpoint
  private blocked: (() => void) | undefined

  constructor() {
    super({ allowHalfOpen: false })
  }

  override _read(): void {
    const release = this.peer.blocked
    this.peer.blocked = undefined
    release?.()
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    if (this.peer.destroyed) {
      cb(new Error('peer closed'))
      return
    }
    if (this.peer.push(chunk)) cb()
    else this.blocked = cb
  }

  override _final(cb: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null)
    cb()
  }

  override _destroy(error: Error | null, cb: (error?: Error | null) => void): void {
    const release = this.blocked
    this.blocked = undefined
    release?.()
    const peer = this.peer
    if (!peer.destroyed) {
      peer.push(null)
      setImmediate(() => peer.destroy())
    }
    cb(error)
  }
}

/** A connected loopback TCP pair (noDelay on both ends); the listener no longer accepts. */
export async function tcpPair(): Promise<[Socket, Socket]> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no address')
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve))
  const client = connect(address.port, '127.0.0.1')
  await new Promise<void>((resolve) => client.once('connect', resolve))
  const serverSide = await accepted
  // close() stops accepting; the handle goes away once both sockets are gone.
  server.close()
  client.setNoDelay(true)
  serverSide.setNoDelay(true)
  return [client, serverSide]
}

/** Everything `stream` reads, as it arrives. */
export function collect(stream: Duplex): { bytes: () => Uint8Array; ended: Promise<void> } {
  const chunks: Buffer[] = []
  stream.on('data', (c: Buffer) => chunks.push(c))
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', () => resolve())
  })
  return { bytes: () => new Uint8Array(Buffer.concat(chunks)), ended }
}

/** Starts `conn` and records what it delivers. */
export function record(conn: SecretConnection): {
  chunks: Uint8Array[]
  bytes: () => Uint8Array
  ended: Promise<Error | undefined>
  endCalls: () => number
  handlers: ByteStreamHandlers
} {
  const chunks: Uint8Array[] = []
  let endCalls = 0
  let resolveEnd!: (e: Error | undefined) => void
  const ended = new Promise<Error | undefined>((resolve) => {
    resolveEnd = resolve
  })
  const handlers: ByteStreamHandlers = {
    onData: (c) => chunks.push(c),
    onEnd: (e) => {
      endCalls++
      resolveEnd(e)
    }
  }
  conn.start(handlers)
  return { chunks, bytes: () => new Uint8Array(Buffer.concat(chunks)), ended, endCalls: () => endCalls, handlers }
}

/** Resolves once `predicate` holds, checking after each turn of the event loop. */
export async function until(predicate: () => boolean, what = 'condition', maxTurns = 20_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (predicate()) return
    await new Promise((r) => setImmediate(r))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Active handles of the kinds a leak would show (sockets, servers, timers). */
export function activeHandles(): number {
  return process
    .getActiveResourcesInfo()
    .filter((t) => t === 'TCPSocketWrap' || t === 'TCPServerWrap' || t === 'Timeout').length
}
