/** `err` as an Error (a thrown non-Error is wrapped with its string form). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/** True for a promise or any thenable (what an optional async hook may return). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function'
}
