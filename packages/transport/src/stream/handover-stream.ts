import { AbortError, ConnectionClosedError, InvalidArgumentError } from '@p2p/types'
import type { ByteStream, ByteStreamHandlers } from '../byte-stream.js'
import { peekDelimited } from '@p2p/types/wire'

/**
 * A stream that stood in front of another only until its consumer started it: once started,
 * `handedOverTo` is the stream behind it, which the consumer may use directly from then on
 * (every method of the front one only forwards to it).
 */
export interface HandedOver {
  readonly handedOverTo: ByteStream | undefined
}

/**
 * Lets the upgrade read whole length-delimited messages (the NodeInfo) from a stream, then hands
 * the stream on to its real consumer (the MConnection) with any bytes that arrived early.
 * Between the two it pauses the inner stream, so a peer that sends ahead is held back by TCP
 * flow control rather than by our memory.
 *
 * It stays off the steady-state path: at the handover the inner stream's handlers are pointed
 * at the consumer's (no hop per chunk read), and `handedOverTo` lets the consumer write to the
 * inner stream directly (the MConnection does; its methods here still forward for any other).
 */
export class HandoverStream implements ByteStream, HandedOver {
  readonly #inner: ByteStream
  /** The handlers the inner stream calls: ours until the handover, then the consumer's. */
  readonly #sink: ByteStreamHandlers
  #buffered: Uint8Array[] = []
  #bufferedLength = 0
  #ended = false
  #endError: Error | undefined
  #consumer: ByteStreamHandlers | undefined
  /** The consumer gets the inner stream's events directly (set one microtask after `start`). */
  #handedOver = false
  /** The consumer's last call was `pause()` (before or during the hand-over it stays paused). */
  #consumerPaused = false
  #wake: (() => void) | undefined

  constructor(inner: ByteStream) {
    this.#inner = inner
    this.#sink = {
      onData: (chunk, wireBytes) => {
        // Also the path after the handover if the inner stream kept our functions, not the object.
        if (this.#handedOver) return this.#consumer?.onData(chunk, wireBytes)
        this.#buffered.push(chunk)
        this.#bufferedLength += chunk.length
        this.#wake?.()
      },
      onEnd: (error) => {
        if (this.#handedOver) return this.#consumer?.onEnd(error)
        this.#ended = true
        this.#endError = error
        this.#wake?.()
      }
    }
    inner.start(this.#sink)
    // Nothing is read until someone asks for a message.
    inner.pause()
  }

  get handedOverTo(): ByteStream | undefined {
    return this.#consumer === undefined ? undefined : this.#inner
  }

  get closed(): boolean {
    return this.#inner.closed
  }

  /**
   * Resolves with the body of the next uvarint-delimited message. Rejects with
   * {@link @p2p/types!MessageTooLargeError | MessageTooLargeError} when its length prefix exceeds `maxLength`, and with
   * {@link ConnectionClosedError} when the stream ends first.
   */
  async readDelimited(maxLength: number, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    if (this.#consumer !== undefined) throw new InvalidArgumentError('stream already handed over')
    const { signal } = options
    this.#inner.resume()
    try {
      for (;;) {
        signal?.throwIfAborted()
        const message = this.#takeMessage(maxLength)
        if (message !== undefined) return message
        if (this.#ended) {
          throw new ConnectionClosedError('stream ended before a whole message arrived', { cause: this.#endError })
        }
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(new AbortError())
          signal?.addEventListener('abort', onAbort, { once: true })
          this.#wake = () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          }
        })
        this.#wake = undefined
      }
    } finally {
      this.#wake = undefined
      this.#inner.pause()
    }
  }

  #takeMessage(maxLength: number): Uint8Array | undefined {
    const head = this.#flatten()
    const peek = peekDelimited(head, maxLength)
    if (!peek.complete) return undefined
    const end = peek.total
    const message = head.slice(peek.offset, end)
    const rest = head.subarray(end)
    this.#buffered = rest.length > 0 ? [rest] : []
    this.#bufferedLength = rest.length
    return message
  }

  #flatten(): Uint8Array {
    if (this.#buffered.length === 1) return this.#buffered[0] as Uint8Array
    const out = new Uint8Array(this.#bufferedLength)
    let offset = 0
    for (const chunk of this.#buffered) {
      out.set(chunk, offset)
      offset += chunk.length
    }
    this.#buffered = out.length > 0 ? [out] : []
    return out
  }

  start(handlers: ByteStreamHandlers): void {
    if (this.#consumer !== undefined) throw new InvalidArgumentError('stream already started')
    this.#consumer = handlers
    // The first `onData` comes asynchronously, as from a started SecretConnection: the caller
    // (the switch admitting a peer) finishes what it is doing before any byte reaches it. What
    // arrives in between is buffered behind the early bytes, so the order holds.
    queueMicrotask(() => this.#handOver(handlers))
  }

  #handOver(handlers: ByteStreamHandlers): void {
    const early = this.#buffered
    this.#buffered = []
    this.#bufferedLength = 0
    this.#handedOver = true
    // Closed by the consumer before the hand-over: only the end is left to report.
    if (!this.#inner.closed) for (const chunk of early) handlers.onData(chunk)
    if (this.#ended) {
      handlers.onEnd(this.#endError)
      return
    }
    // From now on the inner stream calls the consumer itself (bound: a handler may use `this`).
    this.#sink.onData = handlers.onData.bind(handlers)
    this.#sink.onEnd = handlers.onEnd.bind(handlers)
    if (!this.#consumerPaused) this.#inner.resume()
  }

  write(data: Uint8Array): boolean {
    return this.#inner.write(data)
  }

  drained(): Promise<void> {
    return this.#inner.drained()
  }

  pause(): void {
    if (this.#consumer !== undefined) this.#consumerPaused = true
    this.#inner.pause()
  }

  resume(): void {
    if (this.#consumer !== undefined) this.#consumerPaused = false
    this.#inner.resume()
  }

  close(error?: Error): void {
    this.#inner.close(error)
  }
}
