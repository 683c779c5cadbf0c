import { AbortError, repeatingTask } from '@p2p/types'

// One reason for every stop: \`abort()\` without one builds a DOMException (with its stack) per
// connection closed, ≈ 1.5 % of a connection set-up's CPU.
const STOPPED = new AbortError('keep-alive stopped')

/**
 * Ping / pong timing (Go's `pingTimer` and `pongTimer`): every `pingIntervalMs` ms `sendPing` runs
 * and a `pongTimeoutMs` timer starts; any pong stops it, and if it fires `onTimeout` runs. Pings
 * answered, unsolicited pongs and pong floods are the connection's business, not this class's.
 */
export class KeepAlive {
  private pinging: AbortController | undefined
  private pongTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly pingIntervalMs: number,
    private readonly pongTimeoutMs: number,
    private readonly sendPing: () => void,
    private readonly onTimeout: () => void
  ) {}

  start(): void {
    if (this.pinging !== undefined) return
    this.pinging = new AbortController()
    repeatingTask(() => this.ping(), { intervalMs: this.pingIntervalMs, signal: this.pinging.signal })
  }

  private ping(): void {
    this.sendPing()
    // pongTimeoutMs < pingIntervalMs, so a previous pong timer has fired or stopped by now.
    this.clearPongTimer()
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined
      this.onTimeout()
    }, this.pongTimeoutMs)
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
    this.pinging?.abort(STOPPED)
    this.pinging = undefined
    this.clearPongTimer()
  }
}
