import { randomBytes } from 'node:crypto'
import { addrBook, type BucketedAddrBook } from '@p2p/addrbook'
import {
  type BroadcastOutcome,
  type ConnectionStatus,
  type Dialer,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  type Peer,
  type PeerDataKey,
  type PeerSet,
  type Reactor,
  type SwitchEvents,
  type SwitchFacade,
  TypedEventEmitter
} from '@p2p/types'

export const randomId = (): NodeID => randomBytes(20).toString('hex') as NodeID

export function nodeInfo(id: NodeID, listenAddr: string): NodeInfo {
  return {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id,
    listenAddr,
    network: 'testing',
    version: '0.34.35',
    channels: Uint8Array.of(0x00),
    moniker: 'fake',
    other: { txIndex: 'on', rpcAddress: '' }
  }
}

export interface FakePeerOptions {
  id?: NodeID
  ip?: string
  port?: number
  outbound?: boolean
  persistent?: boolean
  /** The NodeInfo listen address; default `tcp://ip:port`. */
  listenAddr?: string
  /** What `trySend` answers (default true). */
  room?: boolean
  connectedAt?: number
}

/** A peer that records what is sent to it. */
export class FakePeer implements Peer {
  readonly id: NodeID
  readonly nodeInfo: NodeInfo
  readonly outbound: boolean
  readonly persistent: boolean
  readonly unconditional = false
  readonly socketAddr: NetAddress
  readonly controller = new AbortController()
  readonly sent: Array<{ channelId: number; message: Uint8Array }> = []
  room: boolean
  connectedAt: number
  readonly #data = new Map<string, unknown>()

  constructor(options: FakePeerOptions = {}) {
    this.id = options.id ?? randomId()
    const ip = options.ip ?? '8.8.8.8'
    const port = options.port ?? 26656
    this.outbound = options.outbound ?? false
    this.persistent = options.persistent ?? false
    this.socketAddr = { id: this.id, ip, port: this.outbound ? port : 40000 + (port % 1000) }
    this.nodeInfo = nodeInfo(this.id, options.listenAddr ?? `tcp://${ip}:${port}`)
    this.room = options.room ?? true
    this.connectedAt = options.connectedAt ?? Date.now()
  }

  /** The address it reports for itself. */
  get selfAddr(): NetAddress {
    return { id: this.id, ip: this.socketAddr.ip, port: Number(this.nodeInfo.listenAddr.split(':').pop()) }
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  async send(channelId: number, message: Uint8Array): Promise<boolean> {
    if (this.signal.aborted) return false
    this.sent.push({ channelId, message })
    return true
  }

  trySend(channelId: number, message: Uint8Array): boolean {
    if (!this.room || this.signal.aborted) return false
    this.sent.push({ channelId, message })
    return true
  }

  get<T>(key: PeerDataKey<T>): T | undefined {
    return this.#data.get(key.name) as T | undefined
  }

  set<T>(key: PeerDataKey<T>, value: T): void {
    this.#data.set(key.name, value)
  }

  delete(key: PeerDataKey<unknown>): void {
    this.#data.delete(key.name)
  }

  status(): ConnectionStatus {
    return { connectedAt: this.connectedAt, bytesSent: 0, bytesReceived: 0, channels: [] }
  }
}

class FakePeerSet implements PeerSet {
  constructor(readonly map: Map<string, Peer>) {}
  has(id: NodeID): boolean {
    return this.map.has(id)
  }
  hasIp(ip: string): boolean {
    return [...this.map.values()].some((p) => p.socketAddr.ip === ip)
  }
  get(id: NodeID): Peer | undefined {
    return this.map.get(id)
  }
  list(): Peer[] {
    return [...this.map.values()]
  }
  get size(): number {
    return this.map.size
  }
}

/** A switch facade that drives one reactor the way the switch does. */
export class FakeSwitch implements SwitchFacade {
  readonly events = new TypedEventEmitter<SwitchEvents>()
  readonly map = new Map<string, Peer>()
  readonly stopped: Array<{ peer: Peer; reason: Error | undefined }> = []
  readonly graceful: Peer[] = []
  readonly info: NodeInfo

  constructor(
    readonly reactor: Reactor,
    id: NodeID = randomId(),
    listenAddr = 'tcp://9.9.9.9:26656'
  ) {
    this.info = nodeInfo(id, listenAddr)
    reactor.attach(this)
  }

  nodeInfo(): NodeInfo {
    return this.info
  }

  peers(): PeerSet {
    return new FakePeerSet(this.map)
  }

  numPeers(): { outbound: number; inbound: number } {
    const list = [...this.map.values()]
    return { outbound: list.filter((p) => p.outbound).length, inbound: list.filter((p) => !p.outbound).length }
  }

  async broadcast(channelId: number, message: Uint8Array): Promise<BroadcastOutcome[]> {
    return Promise.all([...this.map.values()].map(async (peer) => ({ peer, queued: await peer.send(channelId, message) })))
  }

  /** Adds `peer` as the switch does: initPeer, then addPeer. */
  add(peer: FakePeer): FakePeer {
    this.reactor.initPeer?.(peer)
    this.map.set(peer.id, peer)
    this.reactor.addPeer?.(peer)
    return peer
  }

  stopPeer(peer: Peer, reason: Error | undefined): void {
    if (!this.map.has(peer.id)) return
    this.stopped.push({ peer, reason })
    this.#remove(peer, reason)
  }

  async stopPeerGracefully(peer: Peer): Promise<void> {
    this.graceful.push(peer)
    await Promise.resolve()
    this.#remove(peer, undefined)
  }

  #remove(peer: Peer, reason: Error | undefined): void {
    if (!this.map.delete(peer.id)) return
    this.reactor.removePeer?.(peer, reason)
    ;(peer as FakePeer).controller.abort(reason)
    this.events.emit('peer:remove', { peer, reason })
  }

  /** Delivers `message` on channel 0 from `peer`. */
  deliver(peer: Peer, message: Uint8Array): void {
    this.reactor.receive({ channelId: 0, src: peer, message })
  }
}

/** A non-strict real address book (loopback and private addresses accepted). */
export function book(random?: () => number): BucketedAddrBook {
  return addrBook({ strict: false, ...(random !== undefined ? { random } : {}) })({})
}

/** A dialer that answers from a script. */
export class FakeDialer implements Dialer {
  readonly dialed: NetAddress[] = []
  constructor(readonly onDial: (addr: NetAddress, signal: AbortSignal | undefined) => Promise<Peer>) {}
  dial(addr: NetAddress, options?: { signal?: AbortSignal }): Promise<Peer> {
    this.dialed.push(addr)
    return this.onDial(addr, options?.signal)
  }
  isDialingOrConnected(): boolean {
    return false
  }
}

/** A routable-looking address with a fresh ID (the book is non-strict anyway). */
export function someAddr(i: number, port = 26656): NetAddress {
  return { id: randomId(), ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port }
}

/** A protobuf varint (base-128, low group first) of `v`, for messages built byte by byte. */
export function varint(v: number): number[] {
  const out: number[] = []
  while (v >= 0x80) {
    out.push((v % 128) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return out
}
