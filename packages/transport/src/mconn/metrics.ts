import type { Counter, Metrics } from '@p2p/types'

/**
 * What an MConnection records in a {@link Metrics} sink: only what the connection alone sees.
 * The switch already counts message bytes per channel (`cometbft_p2p_peer_send_bytes_total`,
 * `…_receive_bytes_total`), peers and why they were removed, so none of that is repeated here.
 *
 * - `cometbft_p2p_mconn_rate_limited_seconds_total{direction="send"|"recv"}`: time the
 *   `sendRate` / `recvRate` limiters held traffic back (is `send_rate` too low?).
 * - `cometbft_p2p_mconn_send_blocked_seconds_total`: time our writes waited for a peer that
 *   did not read fast enough (its receive window or our socket buffer full).
 * - `cometbft_p2p_mconn_control_packets_total{type="ping"|"pong",direction="sent"|"received"}`:
 *   keep-alive traffic; pings received far above one a minute per peer is a flood. Counted per
 *   connection and handed to the sink at each of its own pings and when it closes, so a flood
 *   costs no sink call per packet.
 *
 * Registered once per sink and shared by every connection using it.
 */
export class MConnectionMetrics {
  readonly rateLimited: Counter
  readonly sendBlocked: Counter
  readonly controlPackets: Counter

  private constructor(metrics: Metrics) {
    this.rateLimited = metrics.registerCounter('cometbft_p2p_mconn_rate_limited_seconds_total', {
      help: 'Time the MConnection send or receive rate limiters held traffic back, in seconds.',
      labelNames: ['direction']
    })
    this.sendBlocked = metrics.registerCounter('cometbft_p2p_mconn_send_blocked_seconds_total', {
      help: 'Time MConnection writes waited for a peer that did not read fast enough, in seconds.'
    })
    this.controlPackets = metrics.registerCounter('cometbft_p2p_mconn_control_packets_total', {
      help: 'MConnection pings and pongs, by type and direction.',
      labelNames: ['type', 'direction']
    })
  }

  private static readonly bySink = new WeakMap<Metrics, MConnectionMetrics>()

  /** The handles for `metrics`, registered on first use. */
  static for(metrics: Metrics): MConnectionMetrics {
    let m = MConnectionMetrics.bySink.get(metrics)
    if (m === undefined) {
      m = new MConnectionMetrics(metrics)
      MConnectionMetrics.bySink.set(metrics, m)
    }
    return m
  }
}

export const SEND = { direction: 'send' } as const
export const RECV = { direction: 'recv' } as const
const PING_SENT = { type: 'ping', direction: 'sent' } as const
const PING_RECEIVED = { type: 'ping', direction: 'received' } as const
const PONG_SENT = { type: 'pong', direction: 'sent' } as const
const PONG_RECEIVED = { type: 'pong', direction: 'received' } as const

/** Keep-alive packets of one connection not yet handed to the sink. */
export class ControlTally {
  pingsSent = 0
  pingsReceived = 0
  pongsSent = 0
  pongsReceived = 0

  flush(m: MConnectionMetrics): void {
    const c = m.controlPackets
    if (this.pingsSent > 0) c.increment(this.pingsSent, PING_SENT)
    if (this.pingsReceived > 0) c.increment(this.pingsReceived, PING_RECEIVED)
    if (this.pongsSent > 0) c.increment(this.pongsSent, PONG_SENT)
    if (this.pongsReceived > 0) c.increment(this.pongsReceived, PONG_RECEIVED)
    this.pingsSent = this.pingsReceived = this.pongsSent = this.pongsReceived = 0
  }
}
