import type { Gauge, Histogram, Metrics } from '@p2p/types'

/** How one upgrade ended, as the `outcome` label of the duration histogram. */
export type HandshakeOutcome = 'ok' | 'rejected' | 'timeout' | 'failed'

/** Seconds: a loopback handshake takes milliseconds, a slow peer up to the handshake timeout. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20] as const

/**
 * Handshakes in flight (gauge, `direction`) and their duration (histogram, `direction` and
 * `outcome`), updated once per upgrade. Only built when the transport has a metrics sink, so a
 * transport without one does no work; a sink without histograms gets the gauge only.
 */
export class HandshakeMetrics {
  readonly #inFlight: Gauge
  readonly #duration: Histogram | undefined

  constructor(metrics: Metrics) {
    this.#inFlight = metrics.registerGauge('cometbft_p2p_handshakes_in_flight', {
      help: 'Connections in the secret handshake or NodeInfo exchange',
      labelNames: ['direction']
    })
    this.#duration = metrics.registerHistogram?.('cometbft_p2p_handshake_duration_seconds', {
      help: 'Time from the start of the secret handshake to an upgraded connection or its failure',
      labelNames: ['direction', 'outcome'],
      buckets: BUCKETS
    })
  }

  /** A handshake starts; returns the function that ends it, to call exactly once. */
  start(outbound: boolean): (error: Error | undefined) => void {
    const direction = outbound ? 'outbound' : 'inbound'
    const t0 = performance.now()
    this.#inFlight.increment(1, { direction })
    return (error) => {
      this.#inFlight.decrement(1, { direction })
      this.#duration?.observe((performance.now() - t0) / 1000, { direction, outcome: handshakeOutcome(error) })
    }
  }
}

/** The `outcome` label of an upgrade that ended with `error` (undefined: it succeeded). */
export function handshakeOutcome(error: Error | undefined): HandshakeOutcome {
  if (error === undefined) return 'ok'
  if (error.name === 'RejectedError') return 'rejected'
  if (error.name === 'TimeoutError') return 'timeout'
  return 'failed'
}
