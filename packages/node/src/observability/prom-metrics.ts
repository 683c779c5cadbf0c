import {
  type Counter,
  type Gauge,
  type Histogram,
  type HistogramOptions,
  InvalidArgumentError,
  type MetricLabels,
  type MetricOptions,
  type Metrics
} from '@p2p/types'
import * as prom from 'prom-client'

/** Options of {@link promMetrics}. */
export interface PromMetricsInit {
  /** The registry to fill (default: a new one, so two nodes in one process never clash). */
  registry?: prom.Registry
  /**
   * Label names dropped from every metric (default `['peer_id']`): per-peer series grow with
   * every peer ever seen and are never forgotten, so they are kept only when asked for
   * (pass `[]`). An observation with a dropped label is summed into the series without it.
   */
  omitLabels?: readonly string[]
  /** Also collect prom-client's process metrics (CPU, memory, event-loop lag). Default false. */
  processMetrics?: boolean
  /**
   * Called when a layer records an observation the metric cannot take (an undeclared label, a
   * negative counter step); the observation is dropped. A metrics sink never throws into the
   * layer's hot path. Default: ignore.
   */
  onError?: (name: string, err: Error) => void
}

/** The `Metrics` of `@p2p/types` on prom-client, plus what an HTTP endpoint needs to serve them. */
export interface PromMetrics extends Metrics {
  readonly registry: prom.Registry
  registerHistogram(name: string, options?: HistogramOptions): Histogram
  /** The text exposition format of every metric in the registry. */
  expose(): Promise<string>
  /** The Content-Type of {@link PromMetrics.expose}'s text. */
  readonly contentType: string
}

type Kind = 'counter' | 'gauge' | 'histogram'

/**
 * Creates a prom-client backed `Metrics`. Registering a name twice with the same kind returns
 * the same metric (several components may count into one series); with another kind it throws
 * `InvalidArgumentError`.
 */
export function promMetrics(init: PromMetricsInit = {}): PromMetrics {
  const registry = init.registry ?? new prom.Registry()
  const omit = new Set(init.omitLabels ?? ['peer_id'])
  const onError = init.onError ?? (() => {})
  const made = new Map<string, { kind: Kind; metric: Counter | Gauge | Histogram }>()
  if (init.processMetrics === true) prom.collectDefaultMetrics({ register: registry })

  /** Labels as declared minus the omitted ones; `strip` removes the omitted ones from an observation. */
  const labelsOf = (options: MetricOptions | undefined): { names: string[]; strip: (l: MetricLabels) => MetricLabels } => {
    const declared = options?.labelNames ?? []
    const names = declared.filter((n) => !omit.has(n))
    if (names.length === declared.length) return { names, strip: (l) => l }
    return {
      names,
      strip: (l) => {
        const out: MetricLabels = {}
        for (const k of names) {
          const v = l[k]
          if (v !== undefined) out[k] = v
        }
        return out
      }
    }
  }

  function register<T extends Counter | Gauge | Histogram>(name: string, kind: Kind, create: () => T): T {
    const existing = made.get(name)
    if (existing !== undefined) {
      if (existing.kind !== kind) {
        throw new InvalidArgumentError(`metric ${name} is already registered as a ${existing.kind}`)
      }
      return existing.metric as T
    }
    if (registry.getSingleMetric(name) !== undefined) {
      throw new InvalidArgumentError(`metric ${name} is already in the registry, not made by this Metrics`)
    }
    const metric = create()
    made.set(name, { kind, metric })
    return metric
  }

  // Each wrapper guards the layer from prom-client's throws (undeclared label, negative step).
  const guard = (name: string, fn: () => void): void => {
    try {
      fn()
    } catch (err) {
      onError(name, err as Error)
    }
  }

  return {
    registry,
    contentType: registry.contentType,
    expose: () => registry.metrics(),
    registerCounter(name, options) {
      return register(name, 'counter', () => {
        const { names, strip } = labelsOf(options)
        const c = new prom.Counter({ name, help: options?.help ?? name, labelNames: names, registers: [registry] })
        return {
          increment(value = 1, labels) {
            guard(name, () => (labels === undefined ? c.inc(value) : c.inc(strip(labels), value)))
          }
        }
      })
    },
    registerGauge(name, options) {
      return register(name, 'gauge', () => {
        const { names, strip } = labelsOf(options)
        // with omitted labels, set() of several peers would overwrite each other: the series
        // without the peer label only makes sense for increment/decrement, so set() adds the
        // difference to what this label set last set
        const g = new prom.Gauge({ name, help: options?.help ?? name, labelNames: names, registers: [registry] })
        const lastSet = names.length === (options?.labelNames?.length ?? 0) ? undefined : new Map<string, number>()
        return {
          set(value, labels) {
            guard(name, () => {
              if (labels === undefined) return g.set(value)
              if (lastSet === undefined) return g.set(labels, value)
              const key = JSON.stringify(labels)
              const before = lastSet.get(key) ?? 0
              if (value === 0) lastSet.delete(key)
              else if (lastSet.size < MAX_OMITTED_SERIES || lastSet.has(key)) lastSet.set(key, value)
              g.inc(strip(labels), value - before)
            })
          },
          increment(value = 1, labels) {
            guard(name, () => (labels === undefined ? g.inc(value) : g.inc(strip(labels), value)))
          },
          decrement(value = 1, labels) {
            guard(name, () => (labels === undefined ? g.dec(value) : g.dec(strip(labels), value)))
          }
        }
      })
    },
    registerHistogram(name, options) {
      return register(name, 'histogram', () => {
        const { names, strip } = labelsOf(options)
        const h = new prom.Histogram({
          name,
          help: options?.help ?? name,
          labelNames: names,
          registers: [registry],
          ...(options?.buckets !== undefined ? { buckets: [...options.buckets] } : {})
        })
        return {
          observe(value, labels) {
            guard(name, () => (labels === undefined ? h.observe(value) : h.observe(strip(labels), value)))
          }
        }
      })
    }
  }
}

/** Bound on the per-label-set memory a gauge with omitted labels keeps (one entry per peer). */
const MAX_OMITTED_SERIES = 10_000
