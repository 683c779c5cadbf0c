import {
  AbortError,
  AlreadyConnectedError,
  type AdmitOptions,
  type ConnectionStatus,
  DialError,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  type Peer,
  type PeerConnection,
  type PeerCounts,
  type PeerDataKey,
  type PeerSet,
  RejectedError,
  type SwitchAdmission,
  type SwitchEvents,
  type SwitchFacade,
  TypedEventEmitter
} from '@p2p/types'

/** What a fake dial does: connect, fail with an error, or wait for the test to decide. */
export type FakeDialOutcome = 'ok' | Error | Promise<'ok' | Error>

/** The switch seams the peer manager drives, in memory. */
export type FakeSwitchSurface = SwitchAdmission & Pick<SwitchFacade, 'peers' | 'numPeers' | 'events' | 'nodeInfo'>

/**
 * A valid v0.34 NodeInfo for `id` (network `testing`, channel 0x00 only, moniker `node-` and
 * the ID's first 6 characters); `id` is not checked.
 */
export function fakeNodeInfo(id: string, listenAddr = 'tcp://127.0.0.1:26656', network = 'testing'): NodeInfo {
  return {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: id as NodeID,
    listenAddr,
    network,
    version: '0.34.35',
    channels: new Uint8Array([0x00]),
    moniker: `node-${id.slice(0, 6)}`,
    other: { txIndex: 'on', rpcAddress: '' }
  }
}

class FakePeer implements Peer {
  readonly controller = new AbortController()
  readonly signal: AbortSignal = this.controller.signal
  readonly nodeInfo: NodeInfo
  private readonly data = new Map<string, unknown>()
  private readonly connectedAt = Date.now()

  constructor(
    readonly id: NodeID,
    readonly socketAddr: NetAddress,
    readonly outbound: boolean,
    readonly persistent: boolean,
    readonly unconditional: boolean
  ) {
    this.nodeInfo = fakeNodeInfo(id, `tcp://${socketAddr.ip}:${socketAddr.port}`)
  }

  async send(): Promise<boolean> {
    return !this.signal.aborted
  }

  trySend(): boolean {
    return !this.signal.aborted
  }

  get<T>(key: PeerDataKey<T>): T | undefined {
    return this.data.get(key.name) as T | undefined
  }

  set<T>(key: PeerDataKey<T>, value: T): void {
    this.data.set(key.name, value)
  }

  delete(key: PeerDataKey<unknown>): void {
    this.data.delete(key.name)
  }

  status(): ConnectionStatus {
    return { connectedAt: this.connectedAt, bytesSent: 0, bytesReceived: 0, channels: [] }
  }
}

class FakePeerSet implements PeerSet {
  readonly byId = new Map<NodeID, FakePeer>()
  has(id: NodeID): boolean {
    return this.byId.has(id)
  }
  hasIp(ip: string): boolean {
    for (const p of this.byId.values()) if (p.socketAddr.ip === ip) return true
    return false
  }
  get(id: NodeID): Peer | undefined {
    return this.byId.get(id)
  }
  list(): Peer[] {
    return [...this.byId.values()]
  }
  get size(): number {
    return this.byId.size
  }
}

/** Options of a {@link FakeSwitch}. */
export interface FakeSwitchInit {
  /** Our node ID (default forty `f`s). */
  id?: string
  /** The outbound limit the switch enforces (default: none, as Go's switch). */
  maxOutboundPeers?: number
  /**
   * Decides each dial; default: `ok` for addresses added with `reachable()`, else a `DialError`.
   * Runs once per dial, after `AlreadyConnectedError` checks.
   */
  onDial?: (addr: NetAddress, options: AdmitOptions) => FakeDialOutcome
}

/**
 * An in-memory switch for testing a peer manager: dials succeed for addresses marked reachable,
 * peers can be dropped and added inbound at will, and it records what a test wants to bound
 * (dials in flight, outbound peers) at every moment.
 */
export class FakeSwitch implements FakeSwitchSurface {
  readonly events = new TypedEventEmitter<SwitchEvents>()
  readonly set = new FakePeerSet()
  readonly dialing = new Map<NodeID, NetAddress>()
  /** Every dial that reached the switch, in order, with `Date.now()` when it began. */
  readonly dials: Array<{ addr: NetAddress; at: number; persistent: boolean }> = []
  readonly reachableIds = new Set<string>()
  maxDialsSeen = 0
  maxOutboundSeen = 0
  /** Decides each dial (see {@link FakeSwitchInit.onDial}); a test may replace it at any time. */
  onDial: ((addr: NetAddress, options: AdmitOptions) => FakeDialOutcome) | undefined
  private readonly info: NodeInfo
  private readonly maxOutbound: number

  constructor(init: FakeSwitchInit = {}) {
    this.info = fakeNodeInfo(init.id ?? 'f'.repeat(40))
    this.maxOutbound = init.maxOutboundPeers ?? Number.POSITIVE_INFINITY
    this.onDial = init.onDial
  }

  nodeInfo(): NodeInfo {
    return this.info
  }

  /** Dials to these IDs succeed (with the default `onDial`). */
  reachable(...addrs: Array<NetAddress | string>): void {
    for (const a of addrs) this.reachableIds.add(typeof a === 'string' ? a : a.id)
  }

  /** Dials to these IDs fail again with a `DialError` (with the default `onDial`). */
  unreachable(...addrs: Array<NetAddress | string>): void {
    for (const a of addrs) this.reachableIds.delete(typeof a === 'string' ? a : a.id)
  }

  peers(): PeerSet {
    return this.set
  }

  numPeers(): PeerCounts {
    let outbound = 0
    let inbound = 0
    for (const p of this.set.byId.values()) {
      if (p.unconditional) continue
      if (p.outbound) outbound++
      else inbound++
    }
    return { outbound, inbound }
  }

  isDialing(id: NodeID): boolean {
    return this.dialing.has(id)
  }

  async dialPeer(addr: NetAddress, options: { signal?: AbortSignal } & AdmitOptions = {}): Promise<Peer> {
    if (this.dialing.has(addr.id)) throw new AlreadyConnectedError(addr.id, 'dialing')
    if (this.set.has(addr.id)) throw new AlreadyConnectedError(addr.id, 'connected')
    options.signal?.throwIfAborted()
    this.dialing.set(addr.id, addr)
    this.maxDialsSeen = Math.max(this.maxDialsSeen, this.dialing.size)
    this.dials.push({ addr, at: Date.now(), persistent: options.persistent === true })
    try {
      const decide = this.onDial ?? ((a: NetAddress) => (this.reachableIds.has(a.id) ? 'ok' : new DialError(`${a.ip}:${a.port}`, 'connection refused')))
      const outcome = await abortable(Promise.resolve(decide(addr, options)), options.signal)
      if (outcome !== 'ok') throw outcome
      if (this.set.has(addr.id)) throw new AlreadyConnectedError(addr.id, 'connected')
      const admit: AdmitOptions = {}
      if (options.persistent !== undefined) admit.persistent = options.persistent
      if (options.unconditional !== undefined) admit.unconditional = options.unconditional
      return this.admit(addr, true, admit)
    } catch (err) {
      if (options.signal?.aborted === true) throw new AbortError()
      this.events.emit('dial:error', { addr, error: err as Error })
      throw err
    } finally {
      this.dialing.delete(addr.id)
    }
  }

  async addPeer(conn: PeerConnection, options: AdmitOptions = {}): Promise<Peer> {
    if (this.set.has(conn.remoteInfo.id)) {
      await conn.close()
      throw new AlreadyConnectedError(conn.remoteInfo.id, 'connected')
    }
    return this.admit({ ...conn.remoteAddr, id: conn.remoteInfo.id }, conn.outbound, options)
  }

  /** A peer dials us. */
  connectInbound(addr: NetAddress, options: AdmitOptions = {}): Peer {
    return this.admit(addr, false, options)
  }

  /** Drops the peer `id` with `reason`, as the switch does on an error or a remote close. */
  disconnect(id: string, reason?: Error): boolean {
    const p = this.set.byId.get(id as NodeID)
    if (p === undefined) return false
    this.set.byId.delete(p.id)
    p.controller.abort(reason)
    this.events.emit('peer:remove', { peer: p, reason })
    return true
  }

  /** Drops every peer, without a reason, each with a `peer:remove` event. */
  disconnectAll(): void {
    for (const id of [...this.set.byId.keys()]) this.disconnect(id)
  }

  private admit(addr: NetAddress, outbound: boolean, options: AdmitOptions): Peer {
    const unconditional = options.unconditional === true
    if (outbound && !unconditional && !options.persistent && this.numPeers().outbound >= this.maxOutbound) {
      throw new RejectedError('too-many-peers', 'too many outbound peers', { id: addr.id })
    }
    const p = new FakePeer(addr.id, addr, outbound, options.persistent === true, unconditional)
    this.set.byId.set(p.id, p)
    this.maxOutboundSeen = Math.max(this.maxOutboundSeen, this.numPeers().outbound)
    this.events.emit('peer:add', p)
    return p
  }
}

async function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return await p
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new AbortError())
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([p, aborted])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}
