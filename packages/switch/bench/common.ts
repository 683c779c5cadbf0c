/**
 * Shared pieces of the switch benchmarks: identities, a node (loopback TCP transport with the
 * rate limiter off + switch + reactors), a ping reactor, a counting reactor, a cheap metrics
 * sink, medians and the header line naming the machine and its load.
 */
import { cpus, loadavg } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateNodeKey } from '@p2p/config'
import { tcpTransport } from '@p2p/transport'
import {
  AbortError,
  type ChannelDescriptor,
  type Envelope,
  type Metrics,
  type NodeID,
  type NodeInfo,
  type NodeKey,
  type Peer,
  type Reactor,
  type Switch,
  type Transport
} from '@p2p/types'
import { BaseReactor, p2pSwitch, type SwitchInit } from '../src/index.js'

export const PING_CHANNEL = 0x7e
export const DATA_CHANNEL = 0x30

/** The channels of a v0.34 node (pex, consensus ×4, mempool, evidence, blocksync, statesync ×2). */
export const GO_CHANNELS: ChannelDescriptor[] = [
  { id: 0x00, priority: 1, sendQueueCapacity: 10 },
  { id: 0x20, priority: 6, sendQueueCapacity: 100 },
  { id: 0x21, priority: 10, sendQueueCapacity: 100 },
  { id: 0x22, priority: 7, sendQueueCapacity: 100 },
  { id: 0x23, priority: 1, sendQueueCapacity: 2 },
  { id: 0x38, priority: 6 },
  { id: 0x40, priority: 5, sendQueueCapacity: 1000 },
  { id: 0x60, priority: 5, sendQueueCapacity: 10 },
  { id: 0x61, priority: 3, sendQueueCapacity: 10 }
]

export interface Identity {
  nodeKey: NodeKey
  nodeInfo: NodeInfo
}

export function identity(channels: readonly number[]): Identity {
  const nodeKey = generateNodeKey()
  return {
    nodeKey,
    nodeInfo: {
      protocolVersion: { p2p: 8n, block: 11n, app: 0n },
      id: nodeKey.id,
      listenAddr: 'tcp://127.0.0.1:26656',
      network: 'bench-chain',
      version: '0.34.35',
      channels: Uint8Array.from(channels),
      moniker: `bench-${nodeKey.id.slice(0, 6)}`,
      other: { txIndex: 'off', rpcAddress: '' }
    }
  }
}

/** Answers pings with pongs; `ping(peer)` resolves when the pong comes back. */
export class PingReactor extends BaseReactor {
  readonly name = 'ping'
  readonly #waiting = new Map<NodeID, () => void>()
  channels(): ChannelDescriptor[] {
    return [{ id: PING_CHANNEL, priority: 1, sendQueueCapacity: 4 }]
  }
  receive({ src, message }: Envelope): void {
    if (message[0] === 0) src.trySend(PING_CHANNEL, Uint8Array.of(1))
    else this.#waiting.get(src.id)?.()
  }
  ping(peer: Peer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(new AbortError('peer gone'))
      peer.signal.addEventListener('abort', onAbort, { once: true })
      this.#waiting.set(peer.id, () => {
        this.#waiting.delete(peer.id)
        peer.signal.removeEventListener('abort', onAbort)
        resolve()
      })
      void peer.send(PING_CHANNEL, Uint8Array.of(0))
    })
  }
}

/** Counts what arrives on its channels. */
export class SinkReactor extends BaseReactor {
  readonly name = 'sink'
  messages = 0
  bytes = 0
  constructor(readonly descriptors: ChannelDescriptor[]) {
    super()
  }
  channels(): ChannelDescriptor[] {
    return this.descriptors
  }
  receive({ message }: Envelope): void {
    this.messages++
    this.bytes += message.length
  }
}

/** A metrics sink as cheap as prom-client's unlabelled path: a Map lookup and an add. */
export class CheapMetrics implements Metrics {
  readonly values = new Map<string, number>()
  #add(key: string, v: number): void {
    this.values.set(key, (this.values.get(key) ?? 0) + v)
  }
  registerCounter(name: string) {
    return { increment: (v = 1, labels?: Record<string, string>) => this.#add(labels === undefined ? name : `${name}${JSON.stringify(labels)}`, v) }
  }
  registerGauge(name: string) {
    return {
      set: (v: number) => this.values.set(name, v),
      increment: (v = 1) => this.#add(name, v),
      decrement: (v = 1) => this.#add(name, -v)
    }
  }
}

export interface BenchNode {
  sw: Switch
  transport: Transport
  id: Identity
}

/** A started node on loopback TCP, the rate limiter off, several peers per IP allowed. */
export async function startNode(reactors: Reactor[], init: SwitchInit = {}, metrics?: Metrics, host = '127.0.0.1'): Promise<BenchNode> {
  const channels = reactors.flatMap((r) => r.channels().map((c) => c.id))
  const id = identity(channels)
  const transport = tcpTransport({ listen: `${host}:0`, allowDuplicateIp: true, maxPendingInbound: 256, mconnection: { sendRate: 0, recvRate: 0 } })({
    nodeKey: id.nodeKey,
    nodeInfo: () => id.nodeInfo
  })
  await transport.start()
  const sw = p2pSwitch({ allowDuplicateIp: true, ...init })({ transport, nodeInfo: () => id.nodeInfo, ...(metrics === undefined ? {} : { metrics }) })
  for (const r of reactors) sw.addReactor(r)
  await sw.start()
  return { sw, transport, id }
}

export async function stopNodes(nodes: readonly BenchNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.sw.stop()))
  await Promise.all(nodes.map((n) => n.transport.stop()))
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T)
    })
  )
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y)
  return s[Math.floor(s.length / 2)] as number
}

export function numberArg(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3))
}

export function header(title: string): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  console.log(`\n## ${title}`)
  console.log(`${cpus().length} × ${cpu}, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, ${new Date().toISOString()}`)
}

export function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === 'function') return g
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

export async function until(fn: () => boolean, what: string, maxMs = 120_000): Promise<void> {
  const start = Date.now()
  while (!fn()) {
    if (Date.now() - start > maxMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}
