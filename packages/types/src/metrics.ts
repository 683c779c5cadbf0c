/** Label values of one observation, e.g. `{ chID: '0x20' }`. */
export type MetricLabels = Record<string, string>

export interface Counter {
  increment(value?: number, labels?: MetricLabels): void
}

export interface Gauge {
  set(value: number, labels?: MetricLabels): void
  increment(value?: number, labels?: MetricLabels): void
  decrement(value?: number, labels?: MetricLabels): void
}

export interface Histogram {
  observe(value: number, labels?: MetricLabels): void
}

export interface MetricOptions {
  help?: string
  labelNames?: readonly string[]
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds of the buckets, ascending. */
  buckets?: readonly number[]
}

/**
 * Optional metrics sink; components work without one. Names follow Go's dashboards:
 * `cometbft_p2p_<what>` (for example `cometbft_p2p_peers`).
 */
export interface Metrics {
  registerCounter(name: string, options?: MetricOptions): Counter
  registerGauge(name: string, options?: MetricOptions): Gauge
  /** Optional: a sink without histograms leaves the method out and components skip the metric. */
  registerHistogram?(name: string, options?: HistogramOptions): Histogram
}
