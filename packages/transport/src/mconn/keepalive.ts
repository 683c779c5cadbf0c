import { RUNNING } from './connection-state.js'
import type { MConnection } from './mconnection.js'
import { PING_PACKET, PONG_PACKET } from './packet-codec.js'

/**
 * Ping / pong timing (Go's `pingTimer` and `pongTimer`): every `pingIntervalMs` ms `sendPing` runs
 * and a `pongTimeoutMs` timer starts; any pong stops it, and if it fires `onTimeout` runs. Pings
 * answered, unsolicited pongs and pong floods are the connection's business, not this class's
 * (the connection's side is {@link sendPing} and {@link queuePong} below, and its receive path).
 *
 * A repeating task of its own rather than the shared `repeatingTask`: one per connection, and
 * that one's AbortController, abort listener and abort event cost ≈ 15 % of an MConnection's
 * set-up and teardown (measured with bench/mconn-setup.ts). Here a connection costs one timer,
 * re-armed in place (`refresh`) as each ping fires and cleared by `stop`, plus a pong timer while a
 * ping is unanswered; nothing runs after `stop`.
 * Like `repeatingTask`'s, the timers are unref'd: they never keep a process alive.
 */
export class KeepAlive {
  private pingTimer: ReturnType<typeof setTimeout> | undefined
  private pongTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly pingIntervalMs: number,
    private readonly pongTimeoutMs: number,
    private readonly sendPing: () => void,
    private readonly onTimeout: () => void
  ) {}

  start(): void {
    if (this.pingTimer !== undefined) return
    this.pingTimer = setTimeout(() => this.ping(), this.pingIntervalMs)
    this.pingTimer.unref?.()
  }

  private ping(): void {
    // Re-armed first: the next ping is due an interval after this one, whatever it costs.
    this.pingTimer?.refresh()
    this.sendPing()
    if (this.pingTimer === undefined) return // sendPing stopped us (a failed write)
    // pongTimeoutMs < pingIntervalMs, so the previous pong timer has fired or stopped by now.
    this.clearPongTimer()
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined
      this.onTimeout()
    }, this.pongTimeoutMs)
    this.pongTimer.unref?.()
  }

  pongReceived(): void {
    this.clearPongTimer()
  }

  private clearPongTimer(): void {
    if (this.pongTimer !== undefined) {
      clearTimeout(this.pongTimer)
      this.pongTimer = undefined
    }
  }

  stop(): void {
    if (this.pingTimer !== undefined) clearTimeout(this.pingTimer)
    if (this.pongTimer !== undefined) clearTimeout(this.pongTimer)
    this.pingTimer = this.pongTimer = undefined
  }
}

// ---- the connection's side: sending a ping, answering one (its state is on the MConnection) ----

/** The keep-alive's `sendPing` for `conn`: written at once, ahead of queued messages. */
export function sendPing(conn: MConnection): void {
  conn.sendPath().writeControl(PING_PACKET)
  const control = conn.control
  if (control !== undefined && conn.ctx.metrics !== undefined) {
    control.pingsSent++
    control.flush(conn.ctx.metrics)
  }
}

/** Answers pings; pings arriving before the pong is written share it (Go's 1-slot channel). */
export function queuePong(conn: MConnection): void {
  if (conn.pongPending) return
  conn.pongPending = true
  queueMicrotask(() => {
    conn.pongPending = false
    if (conn.state !== RUNNING) return
    conn.sendPath().writeControl(PONG_PACKET)
    if (conn.control !== undefined) conn.control.pongsSent++
  })
}
