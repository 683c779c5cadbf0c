import { createServer, type Server, type Socket } from 'node:net'
import { addrBook, type BucketedAddrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { type DefaultPeerManager, peerManager, type PeerManagerInit } from '@p2p/peer-manager'
import { p2pSwitch } from '@p2p/switch'
import { tcpTransport } from '@p2p/transport'
import type {
  Dialer,
  NetAddress,
  NodeInfo,
  NodeKey,
  PeerRemovedDetail,
  Reactor,
  Switch,
  Transport
} from '@p2p/types'
import { afterEach } from 'vitest'
import { type PexInit, type PexReactor, pex } from '../../src/index.js'

export interface PexNode {
  readonly sw: Switch
  readonly transport: Transport
  readonly book: BucketedAddrBook
  /** Undefined when the node runs without PEX (an evil node with its own reactor). */
  readonly reactor: PexReactor | undefined
  readonly key: NodeKey
  readonly addr: NetAddress
  info(): NodeInfo
  /** Every `peer:remove` the switch emitted. */
  readonly removed: PeerRemovedDetail[]
  readonly manager: DefaultPeerManager | undefined
  stop(): Promise<void>
}

export interface PexNodeOptions {
  pex?: PexInit
  /** Run without PEX, with these reactors instead. */
  reactors?: Reactor[]
  network?: string
  /** Go `addr_book_strict` for the node's book (default false: loopback addresses allowed). */
  strict?: boolean
  /** Run the real peer manager (also PEX's dialer) with these options. */
  peerManager?: PeerManagerInit
}

/** A dialer over the switch, as the peer manager would give PEX (no backoff, no policy). */
export function switchDialer(sw: () => Switch): Dialer {
  return {
    dial: (addr, options) => sw().dialPeer(addr, options),
    isDialingOrConnected: (addr) => sw().peers().has(addr.id) || sw().isDialing(addr.id)
  }
}

/** A real node on loopback TCP at `host`: transport, switch, non-strict book and PEX. */
export async function pexNode(host: string, o: PexNodeOptions = {}): Promise<PexNode> {
  const key = generateNodeKey()
  const channels = o.reactors === undefined ? [0x00] : o.reactors.flatMap((r) => r.channels().map((c) => c.id))
  let info: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: key.id,
    listenAddr: `tcp://${host}:0`,
    network: o.network ?? 'pex-test',
    version: '0.34.35',
    channels: Uint8Array.from(channels),
    moniker: `pex-${key.id.slice(0, 6)}`,
    other: { txIndex: 'off', rpcAddress: '' }
  }
  // Every outbound socket leaves from 127.0.0.1, so inbound peers share an IP.
  const transport = tcpTransport({ listen: `${host}:0`, allowDuplicateIp: true })({ nodeKey: key, nodeInfo: () => info })
  await transport.start()
  const addr = transport.listenAddress()
  info = { ...info, listenAddr: `tcp://${addr.ip}:${addr.port}` }
  const book = addrBook({ strict: o.strict ?? false })({})
  let manager: DefaultPeerManager | undefined
  const sw: Switch = p2pSwitch({ allowDuplicateIp: true, maxInboundPeers: 100, maxOutboundPeers: 100 })({
    transport,
    nodeInfo: () => info,
    addrBook: book
  })
  if (o.peerManager !== undefined) {
    manager = peerManager({ allowDuplicateIp: true, ...o.peerManager })({ switch: sw, addrBook: book })
  }
  const dialer = manager ?? switchDialer(() => sw)
  const reactor = o.reactors === undefined ? pex(o.pex)({ addrBook: book, dialer }) : undefined
  book.addOurAddress(addr)
  for (const r of o.reactors ?? [reactor as PexReactor]) sw.addReactor(r)
  const removed: PeerRemovedDetail[] = []
  sw.events.addEventListener('peer:remove', (e) => removed.push(e.detail))
  await sw.start()
  await manager?.start()
  const s = sw
  let stopped = false
  return {
    sw: s,
    transport,
    book,
    reactor,
    key,
    addr,
    info: () => info,
    removed,
    manager,
    async stop() {
      if (stopped) return
      stopped = true
      await manager?.stop()
      await s.stop()
      await transport.stop()
    }
  }
}

/** Resolves when `fn` is true, polling every `stepMs`; throws after `timeoutMs`. */
export async function until(fn: () => boolean, what: string, timeoutMs = 15_000, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (fn()) return
    await new Promise((r) => setTimeout(r, stepMs))
  }
  if (fn()) return
  throw new Error(`timed out waiting for ${what}`)
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A crawler test file's loopback peers, from {@link crawlFixtures}. */
export interface CrawlFixtures {
  /** The next host 127.0.1.x. */
  host(): string
  /** A PEX node on its own host that never dials on its own (ensurePeersPeriodMs of an hour). */
  node(network?: string): Promise<PexNode>
  /** A TCP server on its own host that accepts and never says a word: a handshake can only time out. */
  silentServer(): Promise<NetAddress>
  /** Stops a node made otherwise after the test. */
  keepNode(n: PexNode): void
  /** Stops a transport after the test. */
  keepTransport(t: Transport): void
  /** What runs after each test: stops the nodes, then the transports, then closes the servers. */
  stopAll(): Promise<void>
}

/**
 * Loopback peers for a crawler test file, all stopped after each test. Hosts count up from
 * 127.0.1.`firstHost`; files running side by side need ranges of their own.
 */
export function crawlFixtures(firstHost: number): CrawlFixtures {
  const nodes: PexNode[] = []
  const transports: Transport[] = []
  const servers: Server[] = []
  let hostNo = firstHost
  const host = (): string => `127.0.1.${hostNo++}`
  const stopAll = async (): Promise<void> => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()))
    await Promise.all(transports.splice(0).map((t) => t.stop()))
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
  }
  afterEach(() => stopAll())
  return {
    host,
    async node(network) {
      const n = await pexNode(host(), { pex: { ensurePeersPeriodMs: 3_600_000 }, ...(network === undefined ? {} : { network }) })
      nodes.push(n)
      return n
    },
    async silentServer() {
      const h = host()
      const sockets = new Set<Socket>()
      const server = createServer((sock) => {
        sockets.add(sock)
        sock.on('error', () => {})
      })
      const close = server.close.bind(server)
      server.close = (cb?: (err?: Error) => void) => {
        for (const sock of sockets) sock.destroy()
        return close(cb)
      }
      servers.push(server)
      await new Promise<void>((r) => server.listen(0, h, r))
      return { id: generateNodeKey().id, ip: h, port: (server.address() as { port: number }).port }
    },
    keepNode: (n) => {
      nodes.push(n)
    },
    keepTransport: (t) => {
      transports.push(t)
    },
    stopAll
  }
}

/** Active handles other than the test runner's own. */
export function handles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap' && r !== 'ProcessWrap' && r !== 'FSReqCallback' && r !== 'SignalWrap')
    .sort()
}
