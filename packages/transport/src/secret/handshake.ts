import type { Duplex } from 'node:stream'
import {
  AbortError,
  type AbortOptions,
  HandshakeError,
  type HandshakeStage,
  InvalidArgumentError,
  type NodeKey,
  P2PError,
  ProtocolError,
  TimeoutError
} from '@p2p/types'
import { Uint8ArrayList } from 'uint8arraylist'
import { peekDelimited } from '../codec/delimited.js'
import { type AeadBackend, defaultAead } from './aead-select.js'
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, HANDSHAKE_MAX_MESSAGE_SIZE, SEALED_FRAME_SIZE } from './constants.js'
import { ed25519Verify } from './ed25519.js'
import { FrameReader } from './frame-reader.js'
import { FrameWriter } from './frame-writer.js'
import { compareBytes, computeChallenge, deriveSecrets, sortKeys } from './kdf.js'
import {
  decodeAuthSigMessage,
  decodeBytesValue,
  ED25519_PUBLIC_KEY_SIZE,
  ed25519KeyFromProto,
  encodeAuthSigMessageDelimited,
  encodeBytesValueDelimited
} from './proto.js'
import { SecretConnection } from './secret-connection.js'
import { StreamDriver } from './stream-driver.js'
import { computeSharedSecret, generateEphemeralKeyPair, prepareEphemeralKeyPair, takeEphemeralKeyPair } from './x25519.js'

/** Options of {@link secretHandshake}. */
export interface SecretHandshakeOptions extends AbortOptions {
  /**
   * Deadline for the whole handshake, from the call to the verified signature. Default 3000,
   * Go's hard-coded value.
   */
  timeoutMs?: number
  /** The ChaCha20-Poly1305 implementation for the traffic frames. Default: the fastest measured. */
  aead?: AeadBackend
}

/** Test hooks, deliberately not part of the public options. */
export interface HandshakeInternals {
  /** A fixed ephemeral X25519 private key (32 raw bytes), to replay Go's vectors. */
  ephemeralPrivateKey?: Uint8Array
  /** Called with the derived values, so tests can compare them with Go's. */
  onSecrets?: (s: { locIsLeast: boolean; dhSecret: Uint8Array; recvSecret: Uint8Array; sendSecret: Uint8Array; challenge: Uint8Array }) => void
}

/** How the transport's upgrade runs the handshake (not part of the public options). */
export interface UpgradeHandshakeOptions {
  /**
   * Inbound: wait this long for the peer's first bytes before sending anything (a silent socket
   * costs no key and no write), then start the handshake deadline. Times out with
   * `TimeoutError` (phase 'handshake', "no handshake bytes within N ms").
   */
  firstBytesTimeoutMs?: number | undefined
  /** Told once when the first bytes arrived. */
  onFirstBytes?: (() => void) | undefined
  /**
   * Plaintext sealed and sent right behind our auth signature, in the same write, before the
   * peer's signature is read (the listener's NodeInfo: see `UpgradeOptions.earlyNodeInfo`).
   * The connection remembers it as {@link SecretConnection.sentEarly}.
   */
  earlyData?: Uint8Array | undefined
  /**
   * When the peer's key is already here, send ours with our signature in one write instead of at
   * once. A busy listener saves a write and the peer a wake-up; a listener with nothing else to
   * do sends at once, so the peer's key agreement runs while ours does.
   */
  holdKey?: boolean | undefined
}

/**
 * Runs the CometBFT v0.34 secret-connection handshake over `stream` (a `net.Socket` or any
 * duplex byte stream) and resolves to an authenticated {@link SecretConnection}.
 *
 * Both sides send before they read, as Go does, so either side may be ours or Go's. On any
 * failure the stream is destroyed and no timer remains.
 *
 * @throws A {@link HandshakeError} (`stage` 'key-exchange' or 'auth-sig'; `cause` holds the
 *   `ProtocolError`, `MessageTooLargeError` or `ConnectionClosedError` behind it),
 *   {@link TimeoutError} (phase 'handshake'), {@link AbortError},
 *   {@link InvalidArgumentError} for an unusable local key or options.
 */
export function secretHandshake(stream: Duplex, nodeKey: NodeKey, options: SecretHandshakeOptions = {}): Promise<SecretConnection> {
  return runSecretHandshake(stream, nodeKey, options, {})
}

/** {@link secretHandshake} with test hooks; not exported from the package. */
export async function runSecretHandshake(
  stream: Duplex,
  nodeKey: NodeKey,
  options: SecretHandshakeOptions,
  internals: HandshakeInternals,
  upgrade: UpgradeHandshakeOptions = {}
): Promise<SecretConnection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS
  const { signal } = options
  try {
    // setTimeout turns anything above 2^31 - 1 ms into 1 ms: refuse it rather than time out at once.
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 0x7fffffff) {
      throw new InvalidArgumentError(`timeoutMs must be a positive number of ms up to 2^31 - 1, got ${timeoutMs}`)
    }
    if (!(nodeKey.publicKey instanceof Uint8Array) || nodeKey.publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
      // Go's TestNilPubkey / TestNonEd25519Pubkey: only ed25519 node keys can authenticate.
      throw new InvalidArgumentError('the node key must be an ed25519 key with a 32-byte public key')
    }
    if (signal?.aborted === true) throw new AbortError()
  } catch (err) {
    stream.destroy()
    throw err
  }

  // Frames must leave as soon as they are written, as Go's TCP_NODELAY default does.
  const socket = stream as Duplex & { setNoDelay?: (noDelay: boolean) => unknown }
  if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true)
  const driver = new StreamDriver(stream)
  if (signal !== undefined) driver.watch(signal)
  const state: { stage: HandshakeStage } = { stage: 'key-exchange' }
  try {
    const firstMs = upgrade.firstBytesTimeoutMs
    if (firstMs !== undefined) {
      driver.arm(firstMs, () => new TimeoutError('handshake', firstMs, `no handshake bytes within ${firstMs} ms`))
      await driver.waitFor(1)
      upgrade.onFirstBytes?.()
    }
    driver.arm(timeoutMs, () => new TimeoutError('handshake', timeoutMs))
    const conn = await run(driver, nodeKey, options.aead ?? defaultAead(), internals, state, upgrade)
    driver.disarm()
    driver.unwatch()
    return conn
  } catch (err) {
    driver.destroy()
    throw toHandshakeError(err, state.stage, driver.failure)
  }
}

async function run(
  driver: StreamDriver,
  nodeKey: NodeKey,
  aead: AeadBackend,
  internals: HandshakeInternals,
  state: { stage: HandshakeStage },
  upgrade: UpgradeHandshakeOptions
): Promise<SecretConnection> {
  const earlyData = upgrade.earlyData
  // 1. Ephemeral keys, sent in the clear as a delimited BytesValue before we read theirs.
  const fixed = internals.ephemeralPrivateKey
  const eph = fixed === undefined ? takeEphemeralKeyPair() : generateEphemeralKeyPair(fixed)
  // Our key leaves at once, even when theirs is already here (a listener): the peer's DH and
  // signature then run while we do ours, on another core or machine, instead of after them.
  // Unless told to hold it (a busy listener): then it leaves with our signature, in one write.
  const theirsHere = peekDelimited(driver.buffer, HANDSHAKE_MAX_MESSAGE_SIZE).complete
  const ephMessage = encodeBytesValueDelimited(eph.publicKey)
  if (theirsHere && upgrade.holdKey === true) driver.writeSoon(ephMessage)
  else driver.write(ephMessage)
  // The key of the next handshake is made in a tick of its own, after whatever this turn sends:
  // while their key is on its way, or else after our signature has left.
  if (!theirsHere) process.nextTick(prepareEphemeralKeyPair)
  const remoteValue = decodeBytesValue(await readRawMessage(driver))
  // Go copies the value into a [32]byte: shorter is zero-padded, longer is cut.
  const remoteEph = new Uint8Array(32)
  remoteEph.set(remoteValue.subarray(0, 32))
  if (compareBytes(remoteEph, eph.publicKey) === 0) {
    // A reflected key would give both directions the same keys; Go fails later (AEAD), we fail here.
    throw new ProtocolError('remote ephemeral key equals ours')
  }

  // 2. Shared secret, traffic keys, challenge.
  const { lo, hi, locIsLeast } = sortKeys(eph.publicKey, remoteEph)
  const dhSecret = computeSharedSecret(eph.privateKey, remoteEph)
  eph.privateKey.fill(0)
  if (dhSecret === undefined) throw new ProtocolError('bad X25519 remote ECDH input: low order point')
  const { recvSecret, sendSecret } = deriveSecrets(dhSecret, locIsLeast)
  const challenge = computeChallenge(lo, hi, dhSecret)
  internals.onSecrets?.({ locIsLeast, dhSecret, recvSecret, sendSecret, challenge })
  const writer = new FrameWriter(aead.create(sendSecret))
  const reader = new FrameReader(aead.create(recvSecret), undefined, driver.buffer)
  dhSecret.fill(0)
  recvSecret.fill(0)
  sendSecret.fill(0)

  // 3. Signed challenge inside the first encrypted frame; theirs is read at the same time.
  state.stage = 'auth-sig'
  const signature = nodeKey.sign(challenge)
  // Early data shares the signature's frames: a reader takes the signature message and keeps
  // the rest of the frame for the next one, as Go's SecretConnection.Read does.
  // One write at the end of this turn, with anything else the turn writes (a dialler's NodeInfo
  // when the peer's signature is already here).
  driver.writeSoon(writer.seal(encodeAuthSigMessageDelimited(nodeKey.publicKey, signature, earlyData)))
  if (theirsHere) process.nextTick(prepareEphemeralKeyPair)
  const plain = new Uint8ArrayList()
  const authSig = decodeAuthSigMessage(await readSealedMessage(driver, reader, plain))
  const remotePublicKey = Uint8Array.from(ed25519KeyFromProto(authSig.pubKey))
  if (!ed25519Verify(remotePublicKey, challenge, authSig.sig)) {
    throw new ProtocolError('challenge verification failed')
  }
  // Whatever plaintext followed the AuthSigMessage in its frame belongs to the next layer.
  // (An empty list's subarray() is a fresh empty Buffer whose `.buffer` V8 must allocate.)
  const conn = new SecretConnection(driver, writer, reader, remotePublicKey, plain.byteLength > 0 ? plain.subarray() : NO_BYTES)
  conn.sentEarly = earlyData
  return conn
}

/** Reads one delimited message (at most 1 MiB) from the raw stream. */
async function readRawMessage(driver: StreamDriver): Promise<Uint8Array> {
  for (;;) {
    const peek = peekDelimited(driver.buffer, HANDSHAKE_MAX_MESSAGE_SIZE)
    if (peek.complete) {
      const message = driver.buffer.subarray(peek.offset, peek.offset + peek.length)
      driver.buffer.consume(peek.total)
      return message
    }
    await driver.waitFor(peek.total)
  }
}

/** Reads one delimited message (at most 1 MiB) from the decrypted frames. */
async function readSealedMessage(driver: StreamDriver, reader: FrameReader, plain: Uint8ArrayList): Promise<Uint8Array> {
  for (;;) {
    const peek = peekDelimited(plain, HANDSHAKE_MAX_MESSAGE_SIZE)
    if (peek.complete) {
      const message = plain.subarray(peek.offset, peek.offset + peek.length)
      plain.consume(peek.total)
      return message
    }
    // One frame at a time: never decrypt past what the message needs.
    await driver.waitFor(SEALED_FRAME_SIZE)
    const data = reader.readFramePooled()
    if (data !== undefined && data.length > 0) plain.append(data)
  }
}

const NO_BYTES = new Uint8Array(0)

function toHandshakeError(err: unknown, stage: HandshakeStage, interruption: Error | undefined): Error {
  // The timer or the signal may have fired while a read failed for another reason: they win.
  if (interruption instanceof TimeoutError || interruption instanceof AbortError) return interruption
  if (err instanceof TimeoutError || err instanceof AbortError || err instanceof InvalidArgumentError) return err
  if (err instanceof HandshakeError) return err
  if (err instanceof P2PError) return new HandshakeError(stage, err.message, { cause: err })
  return new HandshakeError(stage, err instanceof Error ? err.message : 'handshake failed', { cause: err })
}
