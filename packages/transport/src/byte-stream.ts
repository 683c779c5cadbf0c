/** Receives what a {@link ByteStream} reads. */
export interface ByteStreamHandlers {
  /**
   * Bytes arrived; `chunk` may be retained by the callee (it is not reused). `wireBytes`, when
   * known, is what they cost on the wire, framing included (for the receive-rate limiter).
   */
  onData(chunk: Uint8Array, wireBytes?: number): void
  /** The stream ended, cleanly (no error) or not; called exactly once. */
  onEnd(error?: Error): void
}

/**
 * A bidirectional byte stream with backpressure: what a SecretConnection exposes and an
 * MConnection runs on. Chunk boundaries carry no meaning.
 */
export interface ByteStream {
  /** Starts delivering incoming bytes. Call once. */
  start(handlers: ByteStreamHandlers): void
  /**
   * Queues `data` for sending. Returns false when the caller should wait for `drained()`
   * before writing more (the bytes are still queued).
   */
  write(data: Uint8Array): boolean
  /** Resolves when queued writes have been handed to the socket. */
  drained(): Promise<void>
  /** Stops delivering `onData` until `resume()` (used by the receive rate limiter). */
  pause(): void
  /** Delivers `onData` again after `pause()`; a no-op when not paused or once closed. */
  resume(): void
  /** Closes both directions and releases the socket; idempotent. */
  close(error?: Error): void
  readonly closed: boolean
}
