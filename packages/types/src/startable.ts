/** Options accepted by every operation that can wait. */
export interface AbortOptions {
  /** Aborting it rejects the operation with an `AbortError` and releases what it holds. */
  signal?: AbortSignal
}

/**
 * A component that owns sockets or timers. `start` and `stop` are idempotent; after `stop`
 * resolves, the component holds no socket, timer or pending promise.
 */
export interface Startable {
  /** Opens what the component owns (sockets, timers); a second call does nothing. */
  start(): void | Promise<void>
  /** Closes everything the component owns; when it resolves nothing of it is left running. */
  stop(): void | Promise<void>
}

/** True when `obj` has `start` and `stop` methods. */
export function isStartable(obj: unknown): obj is Startable {
  return (
    typeof obj === 'object' &&
    obj !== null &&
    typeof (obj as Partial<Startable>).start === 'function' &&
    typeof (obj as Partial<Startable>).stop === 'function'
  )
}
