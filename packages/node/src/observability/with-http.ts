import { ConfigError, type Metrics, splitHostPort } from '@p2p/types'
import type { P2PNode } from '../create-node.js'
import { P2PCollector } from './collector.js'
import { HttpApi, type HttpApiInit, type MetricsExposition } from './http-api.js'
import { nodeStatusSource } from './node-status-source.js'
import type { PromMetrics } from './prom-metrics.js'

/** `createNode({ http })`: the observability HTTP API of one node. */
export interface NodeHttpOptions extends Omit<HttpApiInit, 'host' | 'port'> {
  /**
   * `host:port` (or `tcp://host:port`) to serve on. Default `127.0.0.1:26660`; a host other than
   * loopback exposes the node's peers and addresses to whoever can reach it.
   */
  listen?: string
  /** Label the collector's per-peer gauge with `peer_id` (default false). */
  perPeerMetricLabels?: boolean
}

/** `host:port` or `tcp://host:port` → host and port; throws `ConfigError` on anything else. */
export function parseHttpListen(listen: string): { host: string; port: number } {
  const text = listen.startsWith('tcp://') ? listen.slice('tcp://'.length) : listen
  const split = splitHostPort(text)
  if (typeof split === 'string') throw new ConfigError('http.listen', `http listen address ${JSON.stringify(listen)}: ${split}`)
  const [host, portText] = split
  const port = Number(portText)
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new ConfigError('http.listen', `http listen address ${JSON.stringify(listen)}: bad port`)
  return { host: host === '' ? '127.0.0.1' : host, port }
}

function isPromMetrics(m: Metrics | undefined): m is PromMetrics {
  return m !== undefined && 'registry' in m && 'expose' in m
}

/** A node that also serves its HTTP API: started after the node, stopped before it. */
export type NodeWithHttp<N extends P2PNode = P2PNode> = N & { readonly http: HttpApi }

/**
 * Wraps `node` so that `start()` also starts the HTTP API (and, with prom-client metrics, the
 * collector) and `stop()` stops them first. Every other member is the node's own.
 */
export function withHttpApi(node: P2PNode, options: NodeHttpOptions, metrics: Metrics | undefined): NodeWithHttp {
  const { listen, perPeerMetricLabels, ...limits } = options
  const { host, port } = parseHttpListen(listen ?? '127.0.0.1:26660')
  const prom = isPromMetrics(metrics) ? metrics : undefined
  const { switch: sw, addrBook, banList, transport } = node.components
  const collector =
    prom === undefined
      ? undefined
      : new P2PCollector(
          { switch: sw, addrBook, transport, metrics: prom, ...(banList === undefined ? {} : { banList }) },
          { perPeerLabels: perPeerMetricLabels ?? false }
        )
  const exposition: MetricsExposition | undefined = prom
  const api = new HttpApi(
    { ...limits, host, port },
    {
      status: nodeStatusSource(node),
      ...(exposition === undefined ? {} : { metrics: exposition }),
      logger: node.components.logger.forComponent('p2p:http')
    }
  )
  return {
    http: api,
    id: node.id,
    config: node.config,
    inits: node.inits,
    components: node.components,
    events: node.events,
    nodeInfo: () => node.nodeInfo(),
    listenAddress: () => node.listenAddress(),
    isStarted: () => node.isStarted(),
    async start() {
      await node.start()
      collector?.start()
      try {
        await api.start()
      } catch (err) {
        collector?.stop()
        await node.stop()
        throw err
      }
    },
    async stop() {
      await api.stop()
      collector?.stop()
      await node.stop()
    }
  }
}
