import { generateNodeKey } from '@p2p/config'
import type {
  ChannelDescriptor,
  Envelope,
  NetAddress,
  NodeInfo,
  NodeKey,
  Peer,
  PeerFilter,
  Switch,
  SwitchAddrBook,
  Metrics,
  Reactor,
  Transport
} from '@p2p/types'
import { MemoryNetwork, memoryTransport, tcpTransport } from '@p2p/transport'
import { BaseReactor, p2pSwitch, type SwitchInit } from '../src/index.js'

export interface Identity {
  nodeKey: NodeKey
  nodeInfo: NodeInfo
}

export function identity(channels: readonly number[], network = 'test-chain'): Identity {
  const nodeKey = generateNodeKey()
  return {
    nodeKey,
    nodeInfo: {
      protocolVersion: { p2p: 8n, block: 11n, app: 0n },
      id: nodeKey.id,
      listenAddr: 'tcp://127.0.0.1:26656',
      network,
      version: '0.34.35',
      channels: Uint8Array.from(channels),
      moniker: `node-${nodeKey.id.slice(0, 6)}`,
      other: { txIndex: 'off', rpcAddress: '' }
    }
  }
}

export type Call =
  | { kind: 'init'; peer: Peer }
  | { kind: 'add'; peer: Peer }
  | { kind: 'remove'; peer: Peer; reason: Error | undefined }
  | { kind: 'receive'; peer: Peer; channelId: number; message: Uint8Array }

/** A reactor that records every call, in order. */
export class RecordingReactor extends BaseReactor {
  readonly calls: Call[] = []
  readonly #channels: ChannelDescriptor[]
  onReceive: ((e: Envelope) => void) | undefined

  constructor(
    readonly name: string,
    channelIds: readonly number[]
  ) {
    super()
    this.#channels = channelIds.map((id) => ({ id, priority: 1, sendQueueCapacity: 100 }))
  }

  get facade() {
    return this.switch
  }

  channels(): ChannelDescriptor[] {
    return this.#channels
  }

  override initPeer(peer: Peer): void {
    this.calls.push({ kind: 'init', peer })
  }

  override addPeer(peer: Peer): void {
    this.calls.push({ kind: 'add', peer })
  }

  override removePeer(peer: Peer, reason: Error | undefined): void {
    this.calls.push({ kind: 'remove', peer, reason })
  }

  receive(e: Envelope): void {
    this.calls.push({ kind: 'receive', peer: e.src, channelId: e.channelId, message: e.message })
    this.onReceive?.(e)
  }

  received(channelId?: number): Uint8Array[] {
    return this.calls.flatMap((c) => (c.kind === 'receive' && (channelId === undefined || c.channelId === channelId) ? [c.message] : []))
  }

  kinds(): string[] {
    return this.calls.map((c) => c.kind)
  }
}

/** A recording address book. */
export class FakeAddrBook implements SwitchAddrBook {
  readonly good: NetAddress[] = []
  readonly removed: NetAddress[] = []
  readonly ours: NetAddress[] = []
  markGood(addr: NetAddress): void {
    this.good.push(addr)
  }
  removeAddress(addr: NetAddress): void {
    this.removed.push(addr)
  }
  addOurAddress(addr: NetAddress): void {
    this.ours.push(addr)
  }
  isOurAddress(addr: NetAddress): boolean {
    return this.ours.some((a) => a.id === addr.id)
  }
}

export interface TestNode {
  sw: Switch
  transport: Transport
  id: Identity
  addr(): NetAddress
}

export interface NodeOptions {
  init?: SwitchInit
  reactors?: Reactor[]
  channels?: readonly number[]
  peerFilter?: PeerFilter
  addrBook?: SwitchAddrBook
  metrics?: Metrics
  identity?: Identity
  /** Loopback TCP on this host instead of the memory network. */
  tcpHost?: string
}

/** A test network: memory or loopback TCP; `stopAll` stops every node made. */
export class Net {
  readonly memory = new MemoryNetwork()
  readonly nodes: TestNode[] = []
  #tcpHost = 0

  constructor(readonly kind: 'memory' | 'tcp' = 'memory') {}

  async node(o: NodeOptions = {}): Promise<TestNode> {
    const reactors = o.reactors ?? []
    const channels = o.channels ?? reactors.flatMap((r) => r.channels().map((c) => c.id))
    const id = o.identity ?? identity(channels.length > 0 ? channels : [0x20])
    const components = { nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo }
    const transport =
      this.kind === 'memory'
        ? memoryTransport({ network: this.memory })(components)
        : // Outbound sockets all leave from 127.0.0.1 (the transport cannot bind a dial), so
          // the transport's own duplicate-IP check is off; the switch's is tested on its own.
          tcpTransport({ listen: `${o.tcpHost ?? `127.0.0.${++this.#tcpHost + 1}`}:0`, allowDuplicateIp: true })(components)
    await transport.start()
    // Every peer of a test machine shares an IP: duplicate-IP tests turn the check back on.
    const init: SwitchInit = { allowDuplicateIp: true, ...o.init }
    const sw = p2pSwitch(init)({
      transport,
      nodeInfo: () => id.nodeInfo,
      ...(o.addrBook === undefined ? {} : { addrBook: o.addrBook }),
      ...(o.peerFilter === undefined ? {} : { peerFilter: o.peerFilter }),
      ...(o.metrics === undefined ? {} : { metrics: o.metrics })
    })
    for (const r of reactors) sw.addReactor(r)
    await sw.start()
    const node: TestNode = { sw, transport, id, addr: () => transport.listenAddress() }
    this.nodes.push(node)
    return node
  }

  async stopAll(): Promise<void> {
    const nodes = this.nodes.splice(0)
    await Promise.all(nodes.map((n) => n.sw.stop()))
    await Promise.all(nodes.map((n) => n.transport.stop()))
  }
}

/** Resolves when `fn` returns true, checking after every turn of the event loop. */
export async function until(fn: () => boolean, what = 'condition', maxTurns = 20_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (fn()) return
    await new Promise((r) => setTimeout(r, i < 100 ? 0 : 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Active handles other than the test runner's own. */
export function handles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap' && r !== 'ProcessWrap' && r !== 'FSReqCallback' && r !== 'SignalWrap')
    .sort()
}

/** An in-memory `Metrics` sink that keeps the latest value per name and label set. */
export class MemoryMetrics implements Metrics {
  readonly values = new Map<string, number>()
  calls = 0
  #key(name: string, labels?: Record<string, string>): string {
    return labels === undefined ? name : `${name}{${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')}}`
  }
  #add(name: string, v: number, labels?: Record<string, string>): void {
    this.calls++
    const k = this.#key(name, labels)
    this.values.set(k, (this.values.get(k) ?? 0) + v)
  }
  registerCounter(name: string) {
    return { increment: (v = 1, labels?: Record<string, string>) => this.#add(name, v, labels) }
  }
  registerGauge(name: string) {
    return {
      set: (v: number, labels?: Record<string, string>) => {
        this.calls++
        this.values.set(this.#key(name, labels), v)
      },
      increment: (v = 1, labels?: Record<string, string>) => this.#add(name, v, labels),
      decrement: (v = 1, labels?: Record<string, string>) => this.#add(name, -v, labels)
    }
  }
  get(name: string, labels?: Record<string, string>): number {
    return this.values.get(this.#key(name, labels)) ?? 0
  }
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b)
