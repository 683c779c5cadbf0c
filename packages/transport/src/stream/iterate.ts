import { AbortError } from '@p2p/types'
import type { ByteStream } from '../byte-stream.js'

/** Options of {@link iterateByteStream}. */
export interface IterateOptions {
  /** Ends the iteration with `AbortError` and closes the stream. */
  signal?: AbortSignal
  /** Bytes buffered before the stream is paused (backpressure to the peer). Default 1 MiB. */
  highWaterMark?: number
}

/**
 * The incoming bytes of `stream` as an async iterable, for tools and scripts that prefer
 * `for await`. Starts the stream (a stream can only be started once). Reading is paused while
 * more than `highWaterMark` bytes wait, so a fast peer cannot grow memory. Ends when the stream
 * ends cleanly; throws its error otherwise, or `AbortError` when the signal fires (the stream is
 * then closed). Breaking out of the loop closes the stream.
 */
export async function* iterateByteStream(stream: ByteStream, options: IterateOptions = {}): AsyncGenerator<Uint8Array> {
  const highWaterMark = options.highWaterMark ?? 1024 * 1024
  const queue: Uint8Array[] = []
  let queued = 0
  let paused = false
  let ended = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const notify = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  const onAbort = (): void => {
    failure ??= new AbortError('stream iteration aborted')
    stream.close(failure)
    notify()
  }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  stream.start({
    onData(chunk) {
      queue.push(chunk)
      queued += chunk.length
      if (queued > highWaterMark && !paused) {
        paused = true
        stream.pause()
      }
      notify()
    },
    onEnd(error) {
      ended = true
      if (error !== undefined) failure ??= error
      notify()
    }
  })
  try {
    if (options.signal?.aborted === true) onAbort()
    for (;;) {
      const chunk = queue.shift()
      if (chunk !== undefined) {
        queued -= chunk.length
        if (paused && queued <= highWaterMark / 2) {
          paused = false
          stream.resume()
        }
        yield chunk
        continue
      }
      if (failure !== undefined) throw failure
      if (ended) return
      await new Promise<void>((resolve) => {
        wake = resolve
      })
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    if (!ended) stream.close()
  }
}
