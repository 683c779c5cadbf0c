/** Options of a capped exponential back-off with jitter. */
export interface BackoffOptions {
  /** The first delay (after the first failure). */
  initialMs: number
  /** No delay is longer than this (before jitter). */
  maxMs: number
  /** A uniform random 0..jitterMs is added to each delay, so peers do not redial in step. */
  jitterMs: number
}

/**
 * The delay after `failures` consecutive failures (1, 2, ...): `initialMs · 2^(failures−1)`, at
 * most `maxMs`, plus jitter. `random` returns [0, 1).
 */
export function backoffDelay(failures: number, o: BackoffOptions, random: () => number): number {
  const exp = Math.min(Math.max(failures - 1, 0), 52)
  const base = Math.min(o.maxMs, o.initialMs * 2 ** exp)
  return base + Math.floor(random() * o.jitterMs)
}
