import {
  AbortError,
  type AbortOptions,
  type BroadcastOutcome,
  type ConnectionStatus,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  type Peer,
  type PeerCounts,
  type PeerDataKey,
  type PeerSet,
  type SwitchEvents,
  type SwitchFacade,
  TypedEventEmitter
} from '@p2p/types'

let counter = 0

/** A distinct, well-formed node ID and a public address for the n-th fake peer. */
export function fakeIdentity(): { id: NodeID; addr: NetAddress } {
  const n = ++counter
  const id = `${n.toString(16).padStart(8, '0')}${'c0ffee'.repeat(6)}`.slice(0, 40) as NodeID
  return { id, addr: { id, ip: `${30 + (n % 50)}.${(n >> 8) & 255}.${n & 255}.7`, port: 26656 } }
}

/** A peer with no connection: records what a reactor sends, as the switch's peers behave. */
export class FakePeer implements Peer {
  readonly id: NodeID
  readonly nodeInfo: NodeInfo
  readonly socketAddr: NetAddress
  readonly persistent = false
  readonly unconditional = false
  readonly sent: Array<{ channelId: number; message: Uint8Array }> = []
  readonly #controller = new AbortController()
  readonly #data = new Map<PeerDataKey<unknown>, unknown>()
  readonly #channels: Uint8Array

  constructor(
    readonly outbound: boolean,
    channels: readonly number[],
    network = 'test-chain'
  ) {
    const { id, addr } = fakeIdentity()
    this.id = id
    this.socketAddr = addr
    this.#channels = Uint8Array.from(channels)
    this.nodeInfo = {
      protocolVersion: { p2p: 8n, block: 11n, app: 0n },
      id,
      listenAddr: `tcp://${addr.ip}:${addr.port}`,
      network,
      version: '0.34.35',
      channels: this.#channels,
      moniker: `fake-${id.slice(0, 6)}`,
      other: { txIndex: 'off', rpcAddress: '' }
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal
  }

  get removed(): boolean {
    return this.#controller.signal.aborted
  }

  /** What the switch does first when it removes a peer. */
  remove(reason?: Error): void {
    this.#controller.abort(reason ?? new AbortError('peer removed'))
  }

  async send(channelId: number, message: Uint8Array, _options?: AbortOptions): Promise<boolean> {
    return this.trySend(channelId, message)
  }

  trySend(channelId: number, message: Uint8Array): boolean {
    if (this.removed || !this.#channels.includes(channelId)) return false
    this.sent.push({ channelId, message })
    return true
  }

  get<T>(key: PeerDataKey<T>): T | undefined {
    return this.#data.get(key) as T | undefined
  }

  set<T>(key: PeerDataKey<T>, value: T): void {
    this.#data.set(key, value)
  }

  delete(key: PeerDataKey<unknown>): void {
    this.#data.delete(key)
  }

  status(): ConnectionStatus {
    return { connectedAt: 0, bytesSent: 0, bytesReceived: 0, channels: [] }
  }
}

/** The facade a reactor is attached to, recording `stopPeer` and `broadcast`. */
export class FakeSwitch implements SwitchFacade {
  readonly events = new TypedEventEmitter<SwitchEvents>()
  readonly peerMap = new Map<NodeID, FakePeer>()
  readonly stopped: Array<{ peer: Peer; reason: Error | undefined }> = []
  readonly broadcasts: Array<{ channelId: number; message: Uint8Array }> = []

  constructor(readonly info: NodeInfo) {}

  nodeInfo(): NodeInfo {
    return this.info
  }

  peers(): PeerSet {
    const map = this.peerMap
    return {
      has: (id) => map.has(id),
      hasIp: (ip) => [...map.values()].some((p) => p.socketAddr.ip === ip),
      get: (id) => map.get(id),
      list: () => [...map.values()],
      get size() {
        return map.size
      }
    }
  }

  numPeers(): PeerCounts {
    let outbound = 0
    for (const p of this.peerMap.values()) if (p.outbound) outbound++
    return { outbound, inbound: this.peerMap.size - outbound }
  }

  async broadcast(channelId: number, message: Uint8Array): Promise<BroadcastOutcome[]> {
    this.broadcasts.push({ channelId, message })
    return [...this.peerMap.values()].map((peer) => ({ peer, queued: peer.trySend(channelId, message) }))
  }

  stopPeer(peer: Peer, reason: Error | undefined): void {
    this.stopped.push({ peer, reason })
  }

  async stopPeerGracefully(peer: Peer): Promise<void> {
    this.stopped.push({ peer, reason: undefined })
  }
}
