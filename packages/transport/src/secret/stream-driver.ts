import type { Duplex } from 'node:stream'
import { AbortError, ConnectionClosedError } from '@p2p/types'
import { Uint8ArrayList } from 'uint8arraylist'

/** Receives what the stream reads once the driver is in push mode. */
export interface StreamSink {
  /** New bytes are in {@link StreamDriver.buffer}, or the stream ended / failed. */
  onReadable(): void
  onDrain(): void
}

/**
 * Owns the listeners of one duplex byte stream for the whole life of a secret connection:
 * first in pull mode (the handshake awaits `waitFor(n)`), then in push mode (the connection
 * is told whenever bytes arrive). Every byte read goes into {@link buffer}, so nothing is lost
 * at the hand-over. An `error` listener stays attached until the end, so a late socket error
 * can never crash the process.
 */
export class StreamDriver {
  readonly buffer = new Uint8ArrayList()
  /** The remote finished sending (EOF). */
  remoteEnded = false
  /** The stream failed, closed or was interrupted; reads after the buffer are impossible. */
  get failure(): Error | undefined {
    // Built on first read: most closes are our own (a finished connection), and nobody asks.
    if (this.failed === undefined && this.closedEarly) this.failed = new ConnectionClosedError('stream closed')
    return this.failed
  }
  private failed: Error | undefined
  private closedEarly = false
  private sink: StreamSink | undefined
  private wanted = 0
  private wake: (() => void) | undefined
  // One deadline and one abort listener for the whole connection set-up (handshake, NodeInfo),
  // re-armed per stage instead of a timer, an AbortController and listeners per stage.
  private timer: ReturnType<typeof setTimeout> | undefined
  private timeoutError: (() => Error) | undefined
  private signal: AbortSignal | undefined

  constructor(readonly stream: Duplex) {
    // Paused before the 'data' listener goes on, so the stream does not start flowing. The
    // listeners are shared functions that find this driver on the stream: no closures per
    // connection.
    stream.pause()
    ;(stream as DrivenStream)[kDriver] = this
    stream.on('data', onStreamData)
    stream.on('end', onStreamEnd)
    stream.on('error', onStreamError)
    stream.on('close', onStreamClose)
    stream.on('drain', onStreamDrain)
  }

  /**
   * Pull mode: resolves once at least `n` bytes are buffered. Rejects with the interruption
   * error, or {@link ConnectionClosedError} when the stream ends first. Keeps the stream paused
   * while nobody waits, so a peer cannot make us buffer more than one chunk past what we need.
   */
  async waitFor(n: number): Promise<void> {
    while (this.buffer.byteLength < n) {
      const failure = this.failure
      if (failure !== undefined) throw failure
      if (this.remoteEnded) throw new ConnectionClosedError('EOF')
      this.wanted = n
      await new Promise<void>((resolve) => {
        this.wake = resolve
        this.stream.resume()
      })
    }
  }

  /**
   * Interrupts with `error()` after `ms` unless {@link disarm}ed first; replaces any earlier
   * deadline. The error is built only if the time runs out.
   */
  arm(ms: number, error: () => Error): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timeoutError = error
    this.timer = setTimeout(onDriverTimeout, ms, this)
  }

  /** Clears the deadline set by {@link arm}. */
  disarm(): void {
    if (this.timer === undefined) return
    clearTimeout(this.timer)
    this.timer = undefined
    this.timeoutError = undefined
  }

  /** Interrupts with an `AbortError` when `signal` aborts, until {@link unwatch} or destroy. */
  watch(signal: AbortSignal): void {
    this.unwatch()
    this.signal = signal
    this.onAbort ??= () => {
      this.signal = undefined
      this.interrupt(new AbortError())
    }
    signal.addEventListener('abort', this.onAbort, { once: true })
  }

  unwatch(): void {
    if (this.signal === undefined || this.onAbort === undefined) return
    this.signal.removeEventListener('abort', this.onAbort)
    this.signal = undefined
  }

  /** @internal The deadline of {@link arm} ran out. */
  fireTimeout(): void {
    const error = this.timeoutError
    this.timer = undefined
    this.timeoutError = undefined
    if (error !== undefined) this.interrupt(error())
  }

  private onAbort: (() => void) | undefined

  /** Rejects a pending {@link waitFor} (and every later one) with `error`. */
  interrupt(error: Error): void {
    if (this.failure === undefined) this.failed = error
    this.notify()
  }

  /** Push mode: from now on `sink` hears about every arrival. The stream stays paused until {@link resume}. */
  setSink(sink: StreamSink): void {
    this.sink = sink
  }

  pause(): void {
    this.stream.pause()
  }

  resume(): void {
    if (!this.stream.destroyed) this.stream.resume()
  }

  write(data: Uint8Array): boolean {
    if (this.soon !== undefined) this.flushSoon()
    return this.stream.write(data)
  }

  /**
   * Queues `data` to leave at the end of the current turn, joined with whatever else this turn
   * queues into one buffer and one `write` (the set-up messages: a listener's key, signature and
   * NodeInfo; a dialler's signature and NodeInfo when the peer's answer is already here). Plain
   * {@link write}s and {@link destroy} send what is queued first, so the order is kept.
   */
  writeSoon(data: Uint8Array): void {
    if (this.soon === undefined) {
      this.soon = data
      process.nextTick(flushDriver, this)
      return
    }
    const joined = Buffer.allocUnsafe(this.soon.length + data.length)
    joined.set(this.soon)
    joined.set(data, this.soon.length)
    this.soon = joined
  }

  private soon: Uint8Array | undefined
  /** @internal */
  flushSoon(): void {
    const data = this.soon
    if (data === undefined) return
    this.soon = undefined
    if (!this.stream.destroyed) this.stream.write(data)
  }

  /**
   * Writes `data` with the stream corked until the end of the current tick, so that many small
   * writes in one tick leave in one `writev` (one syscall) instead of one each.
   */
  writeCorked(data: Uint8Array): boolean {
    if (this.soon !== undefined) this.flushSoon()
    if (!this.corked) {
      this.corked = true
      this.stream.cork()
      process.nextTick(uncorkDriver, this)
    }
    return this.stream.write(data)
  }

  private corked = false
  /** @internal */
  uncork(): void {
    this.corked = false
    this.stream.uncork()
  }

  get needDrain(): boolean {
    return this.stream.writableNeedDrain
  }

  /**
   * Releases the stream at once; idempotent. Bytes written this tick are first handed to the
   * stream (a socket tries to write them to the kernel right away); bytes the stream still
   * queues after that are dropped, as unsent bytes are on a Go Close.
   */
  destroy(): void {
    this.disarm()
    this.unwatch()
    if (this.stream.destroyed) return
    if (this.soon !== undefined) this.flushSoon()
    if (this.corked) this.uncork()
    this.stream.destroy()
  }

  private notify(): void {
    if (this.sink !== undefined) {
      this.sink.onReadable()
      return
    }
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  /** @internal Stream events, through the shared listeners below. */
  handleData(chunk: Uint8Array | string): void {
    if (typeof chunk === 'string') {
      this.interrupt(new ConnectionClosedError('the stream must not have an encoding set'))
      this.destroy()
      return
    }
    this.buffer.append(chunk)
    if (this.sink === undefined && this.buffer.byteLength >= this.wanted) this.stream.pause()
    this.notify()
  }

  /** @internal */
  handleEnd(): void {
    this.remoteEnded = true
    this.notify()
  }

  /** @internal */
  handleError(err: Error): void {
    if (this.failure === undefined) this.failed = new ConnectionClosedError(`stream error: ${err.message}`, { cause: err })
    this.notify()
  }

  /** @internal */
  handleClose(): void {
    if (this.failed === undefined && !this.remoteEnded) this.closedEarly = true
    this.notify()
  }

  /** @internal */
  handleDrain(): void {
    this.sink?.onDrain()
  }
}

const kDriver = Symbol('p2p.streamDriver')
type DrivenStream = Duplex & { [kDriver]?: StreamDriver }

// EventEmitter calls a listener with the emitter as `this`.
function onStreamData(this: DrivenStream, chunk: Uint8Array | string): void {
  this[kDriver]?.handleData(chunk)
}
function onStreamEnd(this: DrivenStream): void {
  this[kDriver]?.handleEnd()
}
function onStreamError(this: DrivenStream, err: Error): void {
  this[kDriver]?.handleError(err)
}
function onStreamClose(this: DrivenStream): void {
  this[kDriver]?.handleClose()
}
function onStreamDrain(this: DrivenStream): void {
  this[kDriver]?.handleDrain()
}
function onDriverTimeout(driver: StreamDriver): void {
  driver.fireTimeout()
}
function flushDriver(driver: StreamDriver): void {
  driver.flushSoon()
}
function uncorkDriver(driver: StreamDriver): void {
  driver.uncork()
}
