/**
 * Ping / pong timing (Go's `pingTimer` and `pongTimer`): every `pingIntervalMs` ms `sendPing` runs
 * and a `pongTimeoutMs` timer starts; any pong stops it, and if it fires `onTimeout` runs. Pings
 * answered, unsolicited pongs and pong floods are the connection's business, not this class's.
 */
export class KeepAlive {
  private pingTimer: ReturnType<typeof setInterval> | undefined
  private pongTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly pingIntervalMs: number,
    private readonly pongTimeoutMs: number,
    private readonly sendPing: () => void,
    private readonly onTimeout: () => void
  ) {}

  /** True while a pong is awaited. */
  get awaitingPong(): boolean {
    return this.pongTimer !== undefined
  }

  start(): void {
    if (this.pingTimer !== undefined) return
    this.pingTimer = setInterval(() => this.ping(), this.pingIntervalMs)
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
    if (this.pingTimer !== undefined) {
      clearInterval(this.pingTimer)
      this.pingTimer = undefined
    }
    this.clearPongTimer()
  }
}
