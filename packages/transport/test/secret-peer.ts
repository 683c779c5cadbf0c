import type { Duplex } from 'node:stream'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { MerlinTranscript } from '../src/secret/merlin.js'

// A hand-built peer for adversarial tests, written on @noble primitives only (X25519, HKDF,
// ChaCha20-Poly1305, ed25519), so it checks our handshake against an independent
// implementation, as Go's evil_secret_connection_test.go does. Every step can be perverted.

const te = new TextEncoder()

export function delimited(body: Uint8Array): Uint8Array {
  const len: number[] = []
  let n = body.length
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  len.push(n)
  return Uint8Array.from([...len, ...body])
}

export function bytesField(num: number, bytes: Uint8Array): Uint8Array {
  return Uint8Array.from([...delimited(new Uint8Array([num * 8 + 2])).subarray(1), ...delimited(bytes)])
}

/** Raw reader over a duplex: await exact byte counts. */
export class RawReader {
  private buf = new Uint8Array(0)
  private waiters: Array<() => void> = []
  ended = false

  constructor(stream: Duplex) {
    stream.on('data', (c: Uint8Array) => {
      const next = new Uint8Array(this.buf.length + c.length)
      next.set(this.buf)
      next.set(c, this.buf.length)
      this.buf = next
      for (const w of this.waiters.splice(0)) w()
    })
    const end = (): void => {
      this.ended = true
      for (const w of this.waiters.splice(0)) w()
    }
    stream.on('end', end)
    stream.on('close', end)
    stream.on('error', end)
  }

  async read(n: number): Promise<Uint8Array> {
    while (this.buf.length < n) {
      if (this.ended) throw new Error('peer saw EOF')
      await new Promise<void>((r) => this.waiters.push(r))
    }
    const out = this.buf.slice(0, n)
    this.buf = this.buf.slice(n)
    return out
  }
}

export interface EvilOptions {
  /** Our static key seed (random if absent). */
  seed?: Uint8Array
  /** Replace the ephemeral-key message with these raw bytes (sent as is). */
  rawEphMessage?: Uint8Array
  /** Send this as the ephemeral public key instead of ours (keeps our private key). */
  ephPublicOverride?: Uint8Array | ((theirs: Uint8Array) => Uint8Array)
  /** What goes into the encrypted AuthSig slot. */
  auth?:
    | 'good'
    | 'none'
    | 'other-challenge'
    | 'random-sig'
    | 'short-sig'
    | 'high-s'
    | 'other-key'
    | 'secp256k1'
    | { plaintext: Uint8Array }
    | { rawFrames: Uint8Array }
  /** Extra fields placed before the real ones inside the AuthSigMessage (unknown fields are skipped). */
  authPrefix?: Uint8Array
  /** Read our ephemeral key before sending its own, like a sequential peer. */
  readFirst?: boolean
  /** Wait for our AuthSig frame (and open it) before sending its own, like a sequential peer. */
  waitForAuth?: boolean
  /** Plaintext appended right after the AuthSigMessage, in the same frame. */
  trailing?: Uint8Array
}

export interface EvilResult {
  publicKey: Uint8Array
  /** What the peer has read and not consumed (our frames after the key exchange). */
  reader: RawReader
  sendFrame: (plaintextChunk: Uint8Array) => Uint8Array
  /** Seals a whole 1028-byte frame as given (any length field) under the next send nonce. */
  sealRaw: (frame1028: Uint8Array) => Uint8Array
  openFrame: (sealed: Uint8Array) => Uint8Array
}

function nonceBytes(counter: number): Uint8Array {
  const n = new Uint8Array(12)
  new DataView(n.buffer).setUint32(4, counter, true)
  return n
}

function frame(chunk: Uint8Array): Uint8Array {
  const f = new Uint8Array(1028)
  new DataView(f.buffer).setUint32(0, chunk.length, true)
  f.set(chunk, 4)
  return f
}

/** Plays one side of the handshake on `stream` with the given perversions. */
export async function evilPeer(stream: Duplex, opts: EvilOptions = {}): Promise<EvilResult | undefined> {
  const reader = new RawReader(stream)
  const seed = opts.seed ?? ed25519.utils.randomSecretKey()
  const publicKey = ed25519.getPublicKey(seed)
  const ephPriv = x25519.utils.randomSecretKey()
  const ephPub = x25519.getPublicKey(ephPriv)

  if (opts.rawEphMessage !== undefined) {
    stream.write(opts.rawEphMessage)
    return undefined
  }
  // Read theirs first only when our message depends on it (reflection); otherwise send first.
  let theirEph: Uint8Array
  if (typeof opts.ephPublicOverride === 'function' || opts.readFirst === true) {
    theirEph = (await reader.read(35)).subarray(3)
    const mine = typeof opts.ephPublicOverride === 'function' ? opts.ephPublicOverride(theirEph) : ephPub
    stream.write(delimited(bytesField(1, mine)))
  } else {
    stream.write(delimited(bytesField(1, opts.ephPublicOverride ?? ephPub)))
    theirEph = (await reader.read(35)).subarray(3)
  }
  if (opts.ephPublicOverride !== undefined) return undefined

  const localFirst = Buffer.compare(ephPub, theirEph) < 0
  const [lo, hi] = localFirst ? [ephPub, theirEph] : [theirEph, ephPub]
  const dh = x25519.getSharedSecret(ephPriv, theirEph)
  const t = new MerlinTranscript('TENDERMINT_SECRET_CONNECTION_TRANSCRIPT_HASH')
  t.appendMessage('EPHEMERAL_LOWER_PUBLIC_KEY', lo)
  t.appendMessage('EPHEMERAL_UPPER_PUBLIC_KEY', hi)
  t.appendMessage('DH_SECRET', dh)
  const okm = hkdf(sha256, dh, undefined, te.encode('TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN'), 96)
  const [recvKey, sendKey] = localFirst ? [okm.slice(0, 32), okm.slice(32, 64)] : [okm.slice(32, 64), okm.slice(0, 32)]
  const challenge = t.extractBytes('SECRET_CONNECTION_MAC', 32)
  let sendCounter = 0
  let recvCounter = 0
  const sendFrame = (chunk: Uint8Array): Uint8Array => chacha20poly1305(sendKey, nonceBytes(sendCounter++)).encrypt(frame(chunk))
  const sealRaw = (f: Uint8Array): Uint8Array => chacha20poly1305(sendKey, nonceBytes(sendCounter++)).encrypt(f)
  const openFrame = (sealed: Uint8Array): Uint8Array => {
    const f = chacha20poly1305(recvKey, nonceBytes(recvCounter++)).decrypt(sealed)
    return f.subarray(4, 4 + new DataView(f.buffer, f.byteOffset).getUint32(0, true))
  }

  const auth = opts.auth ?? 'good'
  if (auth === 'none') return { publicKey, reader, sendFrame, sealRaw, openFrame }
  if (typeof auth === 'object' && 'rawFrames' in auth) {
    stream.write(auth.rawFrames)
    return { publicKey, reader, sendFrame, sealRaw, openFrame }
  }
  let plaintext: Uint8Array
  if (typeof auth === 'object') {
    plaintext = auth.plaintext
  } else {
    const other = ed25519.utils.randomSecretKey()
    let key = publicKey
    let sig: Uint8Array = ed25519.sign(challenge, seed)
    let keyField = bytesField(1, key)
    if (auth === 'other-challenge') sig = ed25519.sign(challenge.map((b, i) => (i === 0 ? b ^ 1 : b)), seed)
    if (auth === 'random-sig') sig = crypto.getRandomValues(new Uint8Array(64))
    if (auth === 'short-sig') sig = sig.subarray(0, 63)
    if (auth === 'high-s') {
      // The same signature with S + L: valid modulo L, refused by Go (S must be canonical).
      const L = (1n << 252n) + 27742317777372353535851937790883648493n
      let x = sig.subarray(32).reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n) + L
      const high = new Uint8Array(64)
      high.set(sig.subarray(0, 32))
      for (let i = 32; i < 64; i++) {
        high[i] = Number(x & 0xffn)
        x >>= 8n
      }
      sig = high
    }
    if (auth === 'other-key') {
      key = ed25519.getPublicKey(other)
      keyField = bytesField(1, key)
    }
    if (auth === 'secp256k1') keyField = bytesField(2, new Uint8Array(33).fill(2))
    plaintext = delimited(Uint8Array.from([...(opts.authPrefix ?? []), ...bytesField(1, keyField), ...bytesField(2, sig)]))
  }
  if (opts.waitForAuth === true) openFrame(await reader.read(1044))
  const all = Uint8Array.from([...plaintext, ...(opts.trailing ?? [])])
  const frames: Uint8Array[] = []
  for (let i = 0; i < all.length; i += 1024) frames.push(sendFrame(all.subarray(i, i + 1024)))
  for (const f of frames) stream.write(f)
  return { publicKey, reader, sendFrame, sealRaw, openFrame }
}
