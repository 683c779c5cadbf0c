/**
 * Observability of a node: a prom-client `Metrics`, a collector of the figures the layers do
 * not count themselves, and an HTTP API (`/metrics`, `/status`, `/net_info`, `/addrbook`,
 * `/peers`, `/network` and a live network page), off by default and bound to 127.0.0.1.
 *
 * @example
 * ```ts
 * import { httpApi, promMetrics } from '@p2p/node'
 *
 * const metrics = promMetrics()                    // give it to the layers as `metrics`
 * const api = httpApi({ port: 26660 })({ status: node.statusSource(), metrics })
 * await api.start()                                // http://127.0.0.1:26660/
 * ```
 */
import { HttpApi, type HttpApiComponents, type HttpApiInit } from './http-api.js'

export { P2PCollector, type P2PCollectorComponents, type P2PCollectorInit } from './collector.js'
export { errorReason } from './error-reason.js'
export { HttpApi, type HttpApiComponents, type HttpApiInit, type MetricsExposition } from './http-api.js'
export { networkViewOf } from './network-view.js'
export { type NodeStatusSourceOptions, nodeStatusSource, type ObservableNode } from './node-status-source.js'
export { type PromMetrics, type PromMetricsInit, promMetrics } from './prom-metrics.js'
export { type NodeHttpOptions, type NodeWithHttp, parseHttpListen, withHttpApi } from './with-http.js'
export { netInfoJson, nodeInfoJson, peersText, selfNetworkView, statusJson } from './status-json.js'
export type { AddrBookSummary, NetworkNode, NetworkPeer, NetworkView, NodeStatusSource } from './status-source.js'

/** Creates the HTTP API; `start()` listens, `stop()` closes every connection. */
export function httpApi(init: HttpApiInit = {}): (components: HttpApiComponents) => HttpApi {
  return (components) => new HttpApi(init, components)
}
