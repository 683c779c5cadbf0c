import { ConnectionClosedError, InvalidArgumentError, type NodeID, ProtocolError } from '@p2p/types'
import { peekDelimited } from '@p2p/types/wire'
import type { ByteStream, ByteStreamHandlers } from '../byte-stream.js'
import { SEALED_FRAME_SIZE } from './constants.js'
import type { FrameReader } from './frame-reader.js'
import type { FrameWriter } from './frame-writer.js'
import { nodeIdOf } from './kdf.js'
import type { StreamDriver, StreamSink } from './stream-driver.js'

/** At most this many frames (64 KiB of data) per `onData`, so `pause()` takes effect promptly. */
const MAX_FRAMES_PER_DELIVERY = 64

/**
 * An authenticated, encrypted byte stream to a peer (Go's `SecretConnection`), made by
 * `secretHandshake`. Data written is cut into 1024-byte frames, each sealed with
 * ChaCha20-Poly1305 into 1044 bytes; data read is delivered in order to `onData`, with no
 * meaning attached to chunk boundaries. Any bad frame closes the connection with a
 * `ProtocolError`.
 */
export class SecretConnection implements ByteStream, StreamSink {
  /** The peer's ed25519 public key (32 bytes), proven by its signature of the challenge. */
  readonly remotePublicKey: Uint8Array
  /** The peer's node ID, derived from {@link remotePublicKey}. */
  readonly remoteId: NodeID
  private handlers: ByteStreamHandlers | undefined
  private pending: Uint8Array | undefined
  private pendingShared = false
  private paused = false
  private delivering = false
  private isClosed = false
  private endReported = false
  private closeError: Error | undefined
  private drainWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = []
  /** @internal What the handshake already sent behind the auth signature (the early NodeInfo). */
  sentEarly: Uint8Array | undefined

  /** @internal Made by the handshake, which hands over the stream and both frame states. */
  constructor(
    private readonly driver: StreamDriver,
    private readonly writer: FrameWriter,
    private readonly reader: FrameReader,
    remotePublicKey: Uint8Array,
    initialData: Uint8Array
  ) {
    this.remotePublicKey = remotePublicKey
    this.remoteId = nodeIdOf(remotePublicKey)
    this.pending = initialData.length > 0 ? initialData : undefined
    // The handshake's leftover is a view of Node's buffer pool (set-up frames are decoded from
    // it): copied before a handler, which may keep it, ever sees it.
    this.pendingShared = this.pending !== undefined
    // The driver stays in pull mode until start(), so the upgrade can read the NodeInfo first.
  }

  get closed(): boolean {
    return this.isClosed
  }

  /** Starts delivering decrypted bytes; the first `onData` comes asynchronously. */
  start(handlers: ByteStreamHandlers): void {
    if (this.handlers !== undefined) throw new InvalidArgumentError('SecretConnection already started')
    this.handlers = handlers
    this.driver.setSink(this)
    if (this.isClosed) {
      this.reportEnd()
      return
    }
    if (!this.paused) this.driver.resume()
    queueMicrotask(() => this.pump())
  }

  /**
   * Seals `data` and queues it on the stream. An empty write sends nothing. Returns false when
   * the caller should await {@link drained} before writing more.
   * @throws ConnectionClosedError after close; ProtocolError when the send nonce is exhausted
   *   (the connection is closed first).
   */
  write(data: Uint8Array): boolean {
    if (this.isClosed) throw new ConnectionClosedError('SecretConnection is closed', { cause: this.closeError })
    if (data.length === 0) return !this.driver.needDrain
    let sealed: Uint8Array
    try {
      sealed = this.writer.seal(data)
    } catch (err) {
      const error = err instanceof ProtocolError ? err : new ProtocolError('failed to seal frame', { cause: err })
      this.close(error)
      throw error
    }
    return this.driver.writeCorked(sealed)
  }

  /**
   * @internal Before {@link start} (the transport's NodeInfo exchange): the body of the next
   * uvarint-delimited message, read frame by frame and never past the frame that completes it;
   * bytes after it are delivered first once started. Throws `MessageTooLargeError` as soon as
   * the length prefix exceeds `maxLength`, the stream's interruption (deadline, abort) or
   * `ConnectionClosedError` when it ends first, `ProtocolError` for a bad frame.
   */
  async readMessage(maxLength: number): Promise<Uint8Array> {
    if (this.handlers !== undefined) throw new InvalidArgumentError('SecretConnection already started')
    let plain = this.pending
    for (;;) {
      if (plain !== undefined) {
        const peek = peekDelimited(plain, maxLength)
        if (peek.complete) {
          // What follows is the MConnection's, which may keep it: a copy, not a view of the pool.
          this.pending = peek.total < plain.length ? plain.slice(peek.total) : undefined
          this.pendingShared = false
          return plain.subarray(peek.offset, peek.offset + peek.length)
        }
      }
      if (this.isClosed) throw new ConnectionClosedError('SecretConnection is closed', { cause: this.closeError })
      await this.driver.waitFor(SEALED_FRAME_SIZE)
      const data = this.reader.readFramePooled()
      if (data !== undefined && data.length > 0) {
        if (plain === undefined) plain = data
        else {
          const joined = new Uint8Array(plain.length + data.length)
          joined.set(plain)
          joined.set(data, plain.length)
          plain = joined
        }
        this.pending = plain
        this.pendingShared = plain === data
      }
    }
  }

  /**
   * @internal Seals `data` (the NodeInfo) to leave at the end of this turn, in one write with
   * anything else the set-up wrote in it (a dialler's signature, when the peer's came at once).
   */
  sendNow(data: Uint8Array): void {
    if (this.isClosed) throw new ConnectionClosedError('SecretConnection is closed', { cause: this.closeError })
    this.driver.writeSoon(this.writer.seal(data))
  }

  /** @internal Interrupts {@link readMessage} with `error()` after `ms` (replaces the previous deadline). */
  armDeadline(ms: number, error: () => Error): void {
    this.driver.arm(ms, error)
  }

  /** @internal Clears the deadline of {@link armDeadline}: the set-up stage it guarded is over. */
  disarmDeadline(): void {
    this.driver.disarm()
  }

  /** Resolves once the stream has taken all queued bytes; rejects if the connection closes first. */
  drained(): Promise<void> {
    if (this.isClosed) {
      return Promise.reject(new ConnectionClosedError('SecretConnection is closed', { cause: this.closeError }))
    }
    if (!this.driver.needDrain) return Promise.resolve()
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }))
  }

  pause(): void {
    if (this.paused) return
    this.paused = true
    this.driver.pause()
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    if (this.isClosed) return
    if (this.handlers !== undefined) {
      this.driver.resume()
      this.pump()
    }
  }

  /** Closes both directions at once and releases the stream; `onEnd(error)` follows. Idempotent. */
  close(error?: Error): void {
    if (this.isClosed) return
    this.isClosed = true
    this.closeError = error
    this.pending = undefined
    this.driver.destroy()
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const w of waiters) w.reject(new ConnectionClosedError('SecretConnection is closed', { cause: error }))
    this.reportEnd()
  }

  /** @internal StreamSink: bytes arrived or the stream ended. */
  onReadable(): void {
    this.pump()
  }

  /** @internal StreamSink: the stream's write buffer emptied. */
  onDrain(): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const w of waiters) w.resolve()
  }

  private reportEnd(): void {
    if (this.endReported || this.handlers === undefined) return
    this.endReported = true
    this.handlers.onEnd(this.closeError)
  }

  private pump(): void {
    if (this.delivering || this.handlers === undefined) return
    this.delivering = true
    try {
      while (!this.paused && !this.isClosed) {
        let data = this.pending
        let wireBytes: number | undefined
        this.pending = undefined
        if (this.pendingShared && data !== undefined) {
          data = data.slice()
          this.pendingShared = false
        }
        if (data === undefined) {
          wireBytes = Math.min(this.reader.completeFrames, MAX_FRAMES_PER_DELIVERY) * SEALED_FRAME_SIZE
          data = this.reader.readFrames(MAX_FRAMES_PER_DELIVERY)
        }
        if (data === undefined) break
        if (data.length > 0) this.handlers.onData(data, wireBytes)
      }
      if (!this.paused && !this.isClosed) this.checkEnd()
    } catch (err) {
      this.close(err instanceof Error ? err : new ProtocolError('SecretConnection read failed', { cause: err }))
    } finally {
      this.delivering = false
    }
  }

  /** After the buffered frames: a failed stream, or EOF (clean only on a frame boundary). */
  private checkEnd(): void {
    const { driver, reader } = this
    if (reader.completeFrames > 0) return
    if (driver.remoteEnded) {
      if (reader.bufferedBytes > 0) {
        this.close(new ProtocolError(`stream ended inside a frame (${reader.bufferedBytes} of 1044 bytes)`))
      } else {
        this.close()
      }
      return
    }
    if (driver.failure !== undefined) this.close(driver.failure)
  }
}
