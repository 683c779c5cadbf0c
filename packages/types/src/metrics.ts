/** Label values of one observation, e.g. `{ chID: '0x20' }`. */
export type MetricLabels = Record<string, string>

/** A monotonically increasing count (Prometheus counter). */
export interface Counter {
  /** Adds `value` (default 1) to the series named by `labels`. */
  increment(value?: number, labels?: MetricLabels): void
}

/** A value that goes up and down (Prometheus gauge). */
export interface Gauge {
  /** Sets the series named by `labels` to `value`. */
  set(value: number, labels?: MetricLabels): void
  /** Adds `value` (default 1) to the series named by `labels`. */
  increment(value?: number, labels?: MetricLabels): void
  /** Subtracts `value` (default 1) from the series named by `labels`. */
  decrement(value?: number, labels?: MetricLabels): void
}

/** A distribution of observed values in buckets (Prometheus histogram). */
export interface Histogram {
  /** Records one observation, e.g. a duration in seconds or a size in bytes. */
  observe(value: number, labels?: MetricLabels): void
}

/** How a metric is described to the sink. */
export interface MetricOptions {
  /** One-line description shown by the sink (Prometheus HELP). */
  help?: string
  /** The label names observations will carry. */
  labelNames?: readonly string[]
}

/** A histogram's description and buckets. */
export interface HistogramOptions extends MetricOptions {
  /** Upper bounds of the buckets, ascending. */
  buckets?: readonly number[]
}

/**
 * Optional metrics sink; components work without one. Names follow Go's dashboards:
 * `cometbft_p2p_<what>` (for example `cometbft_p2p_peers`).
 */
export interface Metrics {
  /** Registers the counter `name` and returns it. */
  registerCounter(name: string, options?: MetricOptions): Counter
  /** Registers the gauge `name` and returns it. */
  registerGauge(name: string, options?: MetricOptions): Gauge
  /** Optional: a sink without histograms leaves the method out and components skip the metric. */
  registerHistogram?(name: string, options?: HistogramOptions): Histogram
}
