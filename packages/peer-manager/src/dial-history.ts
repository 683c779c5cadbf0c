import { dialString, type NetAddress } from '@p2p/types'

/** Go's dial rules for ordinary (non-persistent) addresses. */
export interface DialHistoryOptions {
  /** After this many failed dials the address is marked bad (Go `maxAttemptsToDial`, 16). */
  maxAttempts: number
  /** Back-off after n failures is `baseMs · 2^n` plus jitter (Go: 1 s · 2^n + U[0, 1 s)). */
  baseMs: number
  jitterMs: number
  /** Longest back-off (so 2^16 s does not become 18 hours). */
  maxBackoffMs: number
  /** No address is dialled twice within this, whatever the outcome (not hammering one address). */
  minRedialMs: number
  /** Most addresses remembered; the oldest record is dropped past it. */
  maxEntries: number
}

interface Attempts {
  attempts: number
  /** When the last dial started (epoch ms). */
  lastDialAt: number
  /** When the next dial may start. */
  notBefore: number
}

export type DialVerdict = { ok: true } | { ok: false; reason: 'backoff' | 'max-attempts'; attempts: number }

/**
 * Per-address dial attempts, in memory and keyed by `ip:port` as Go's PEX dialer keys them.
 * Bounded: an insertion-ordered map drops its oldest record when full.
 */
export class DialHistory {
  private readonly records = new Map<string, Attempts>()

  constructor(
    private readonly o: DialHistoryOptions,
    private readonly now: () => number,
    private readonly random: () => number
  ) {}

  /** May `addr` be dialled now? Persistent addresses have no attempt limit. */
  check(addr: NetAddress, persistent = false): DialVerdict {
    const r = this.records.get(dialString(addr))
    if (r === undefined) return { ok: true }
    if (!persistent && r.attempts > this.o.maxAttempts) return { ok: false, reason: 'max-attempts', attempts: r.attempts }
    if (this.now() < r.notBefore) return { ok: false, reason: 'backoff', attempts: r.attempts }
    return { ok: true }
  }

  /** Number of failed dials recorded for `addr`. */
  attempts(addr: NetAddress): number {
    return this.records.get(dialString(addr))?.attempts ?? 0
  }

  /** A dial to `addr` starts now. */
  started(addr: NetAddress): void {
    const key = dialString(addr)
    const now = this.now()
    const r = this.records.get(key) ?? { attempts: 0, lastDialAt: now, notBefore: now }
    r.lastDialAt = now
    r.notBefore = Math.max(r.notBefore, now + this.o.minRedialMs)
    this.put(key, r)
  }

  /** The dial failed: one more attempt, and the back-off grows. */
  failed(addr: NetAddress): number {
    const key = dialString(addr)
    const now = this.now()
    const r = this.records.get(key) ?? { attempts: 0, lastDialAt: now, notBefore: now }
    r.attempts++
    const backoff = Math.min(this.o.maxBackoffMs, this.o.baseMs * 2 ** Math.min(r.attempts, 40)) + Math.floor(this.random() * this.o.jitterMs)
    r.notBefore = Math.max(r.lastDialAt + backoff, now + this.o.minRedialMs)
    this.put(key, r)
    return r.attempts
  }

  /** The dial succeeded, or the address was marked bad: forget the attempts (not the redial gap). */
  reset(addr: NetAddress): void {
    const key = dialString(addr)
    const r = this.records.get(key)
    if (r === undefined) return
    r.attempts = 0
    r.notBefore = r.lastDialAt + this.o.minRedialMs
  }

  forget(addr: NetAddress): void {
    this.records.delete(dialString(addr))
  }

  get size(): number {
    return this.records.size
  }

  private put(key: string, r: Attempts): void {
    this.records.delete(key)
    this.records.set(key, r)
    if (this.records.size > this.o.maxEntries) {
      const oldest = this.records.keys().next().value
      if (oldest !== undefined) this.records.delete(oldest)
    }
  }
}
