import { addrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { type PexInit, pex } from '@p2p/pex'
import { BaseReactor, p2pSwitch } from '@p2p/switch'
import { tcpTransport } from '@p2p/transport'
import type { AddrBook, ChannelDescriptor, Envelope, NodeInfo, Reactor, Switch, Transport } from '@p2p/types'
import {
  type HttpApi,
  httpApi,
  nodeStatusSource,
  P2PCollector,
  type PromMetrics,
  promMetrics,
  type NodeStatusSource
} from '../src/observability/index.js'

export const ECHO_CHANNEL = 0x70

/** Counts what arrives on its channel. */
export class CountingReactor extends BaseReactor {
  readonly name = 'counting'
  messages = 0
  bytes = 0
  channels(): ChannelDescriptor[] {
    return [{ id: ECHO_CHANNEL, priority: 1, sendQueueCapacity: 1000, recvMessageCapacity: 1 << 20 }]
  }
  receive(e: Envelope): void {
    this.messages++
    this.bytes += e.message.length
  }
  /** Names messages by the parity of their first byte (the `message_type` label of the switch's metrics). */
  messageType(_ch: number, m: Uint8Array): string | undefined {
    return (m[0] ?? 0) % 2 === 0 ? 'test_Even' : 'test_Odd'
  }
}

export interface ObservedNode {
  readonly info: NodeInfo
  readonly sw: Switch
  readonly transport: Transport
  readonly reactor: CountingReactor
  readonly book: AddrBook
  readonly metrics: PromMetrics
  readonly collector: P2PCollector
  readonly source: NodeStatusSource
  readonly api: HttpApi
  port(): number
  stop(): Promise<void>
}

/**
 * One node as `createNode` composes it, minus PEX and the peer manager: TCP transport on
 * `127.0.0.<n>`, bucketed book, switch, a counting reactor, prom-client metrics with the
 * collector, and the HTTP API on a free port. Duplicate IPs are allowed: outbound sockets all
 * leave from 127.0.0.1, whatever address the dialler listens on.
 */
export async function observedNode(
  n: number,
  o: { api?: boolean; pex?: PexInit; reactors?: readonly Reactor[]; before?: (book: AddrBook) => void } = {}
): Promise<ObservedNode> {
  const nodeKey = generateNodeKey()
  const extra = o.reactors ?? []
  const channelIds = [...(o.pex !== undefined ? [0x00] : []), ...extra.flatMap((r) => r.channels().map((c) => c.id)), ECHO_CHANNEL]
  const info: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: nodeKey.id,
    listenAddr: `tcp://127.0.0.${n}:0`,
    network: 'observe-chain',
    version: '0.34.35',
    channels: Uint8Array.from(channelIds),
    moniker: `n${n}`,
    other: { txIndex: 'off', rpcAddress: '' }
  }
  const metrics = promMetrics()
  const transport = tcpTransport({ listen: `127.0.0.${n}:0`, allowDuplicateIp: true })({ nodeKey, nodeInfo: () => info })
  const book = addrBook({ strict: false })({ metrics })
  const sw = p2pSwitch({ metricsFlushIntervalMs: 20, allowDuplicateIp: true })({ transport, nodeInfo: () => info, addrBook: book, metrics })
  const reactor = new CountingReactor()
  sw.addReactor(reactor)
  if (o.pex !== undefined) sw.addReactor(pex(o.pex)({ addrBook: book, metrics }))
  for (const r of extra) sw.addReactor(r)
  o.before?.(book)
  const collector = new P2PCollector({ switch: sw, addrBook: book, transport, metrics })
  const node = {
    nodeInfo: () => info,
    listenAddress: () => transport.listenAddress(),
    components: { switch: sw, addrBook: book, reactors: [reactor] }
  }
  const source = nodeStatusSource(node)
  const api = httpApi({ port: 0, ui: o.api === true })({ status: source, metrics })
  await transport.start()
  await sw.start()
  collector.start()
  await api.start()
  return {
    info,
    sw,
    transport,
    reactor,
    book,
    metrics,
    collector,
    source,
    api,
    port: () => api.address().port,
    async stop() {
      await api.stop()
      collector.stop()
      await sw.stop()
      await transport.stop()
    }
  }
}

/** Waits until `cond` holds, polling every 10 ms; throws after `ms`. */
export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** `n` nodes, every pair connected once (node i dials node j for i < j). */
export async function fullMesh(n: number, o: { api?: boolean } = {}): Promise<ObservedNode[]> {
  const nodes: ObservedNode[] = []
  for (let i = 1; i <= n; i++) nodes.push(await observedNode(i, o))
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) await nodes[i]!.sw.dialPeer(nodes[j]!.transport.listenAddress())
  }
  await until(() => nodes.every((x) => x.sw.peers().size === n - 1), 5000, 'a full mesh')
  return nodes
}

/** The value of one series in a Prometheus text exposition, or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1))
  }
  return undefined
}
