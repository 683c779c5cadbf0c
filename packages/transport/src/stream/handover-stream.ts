import { AbortError, ConnectionClosedError, InvalidArgumentError } from '@p2p/types'
import type { ByteStream, ByteStreamHandlers } from '../byte-stream.js'
import { peekDelimited } from '@p2p/types/wire'

/**
 * Lets the upgrade read whole length-delimited messages (the NodeInfo) from a stream, then hands
 * the stream on to its real consumer (the MConnection) with any bytes that arrived early.
 * Between the two it pauses the inner stream, so a peer that sends ahead is held back by TCP
 * flow control rather than by our memory.
 */
export class HandoverStream implements ByteStream {
  readonly #inner: ByteStream
  #buffered: Uint8Array[] = []
  #bufferedLength = 0
  #ended = false
  #endError: Error | undefined
  #consumer: ByteStreamHandlers | undefined
  #wake: (() => void) | undefined

  constructor(inner: ByteStream) {
    this.#inner = inner
    inner.start({
      onData: (chunk, wireBytes) => {
        if (this.#consumer !== undefined) return this.#consumer.onData(chunk, wireBytes)
        this.#buffered.push(chunk)
        this.#bufferedLength += chunk.length
        this.#wake?.()
      },
      onEnd: (error) => {
        if (this.#consumer !== undefined) return this.#consumer.onEnd(error)
        this.#ended = true
        this.#endError = error
        this.#wake?.()
      }
    })
    // Nothing is read until someone asks for a message.
    inner.pause()
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
    const early = this.#buffered
    this.#buffered = []
    this.#bufferedLength = 0
    for (const chunk of early) handlers.onData(chunk)
    if (this.#ended) handlers.onEnd(this.#endError)
    else this.#inner.resume()
  }

  write(data: Uint8Array): boolean {
    return this.#inner.write(data)
  }

  drained(): Promise<void> {
    return this.#inner.drained()
  }

  pause(): void {
    this.#inner.pause()
  }

  resume(): void {
    this.#inner.resume()
  }

  close(error?: Error): void {
    this.#inner.close(error)
  }
}
