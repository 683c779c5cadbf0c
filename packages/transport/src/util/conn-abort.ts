import { AbortError } from '@p2p/types'

/**
 * The abort handle of one connection in its set-up: what an AbortController + AbortSignal did,
 * without building an AbortSignal (an EventTarget) per connection, which was the largest single
 * cost of accepting a socket (≈ 1.4 % of a connection's CPU) besides the crypto. One listener at
 * a time (the stage in progress: TCP connect, then the upgrade); a real `AbortSignal` is made only
 * for an API that takes one (connection filters, a caller's signal is linked with {@link follow}).
 */
export class ConnAbort {
  aborted = false
  /** The abort's reason: an `AbortError` unless `abort` was given one (an eviction's `RejectedError`). */
  reason: Error | undefined
  #listener: (() => void) | undefined
  #controller: AbortController | undefined
  #followed: AbortSignal | undefined
  #onFollowed: (() => void) | undefined

  /** Aborts once; later calls do nothing. */
  abort(reason?: Error): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason ?? new AbortError()
    this.#unfollow()
    this.#controller?.abort(this.reason)
    const listener = this.#listener
    this.#listener = undefined
    listener?.()
  }

  /** Sets the one listener (`undefined` clears it); called at once if already aborted. */
  listen(listener: (() => void) | undefined): void {
    this.#listener = listener
    if (this.aborted && listener !== undefined) {
      this.#listener = undefined
      listener()
    }
  }

  /** Aborts (with an `AbortError`) when `signal` does, until this one aborts or {@link done}. */
  follow(signal: AbortSignal): void {
    if (signal.aborted) {
      this.abort()
      return
    }
    this.#followed = signal
    this.#onFollowed ??= () => this.abort()
    signal.addEventListener('abort', this.#onFollowed, { once: true })
  }

  /** The set-up is over: drops the listener and the link to a followed signal. */
  done(): void {
    this.#listener = undefined
    this.#unfollow()
  }

  /** An `AbortSignal` that aborts with this handle, made on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.aborted) this.#controller.abort(this.reason)
    }
    return this.#controller.signal
  }

  #unfollow(): void {
    if (this.#followed === undefined || this.#onFollowed === undefined) return
    this.#followed.removeEventListener('abort', this.#onFollowed)
    this.#followed = undefined
  }
}
