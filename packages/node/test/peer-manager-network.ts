import { addrBook, type BucketedAddrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { pex } from '@p2p/pex'
import { p2pSwitch } from '@p2p/switch'
import { type MemoryNetwork, memoryTransport } from '@p2p/transport'
import { type NetAddress, type NodeInfo, type NodeKey, netAddressString, type Switch, type Transport } from '@p2p/types'
import { BiasedRandomStrategy, type DefaultPeerManager, type PeerManagerInit, peerManager } from '@p2p/peer-manager'

/** One full node on the memory network: transport, switch, book, PEX and peer manager. */
export interface NetNode {
  readonly name: string
  readonly key: NodeKey
  readonly sw: Switch
  readonly transport: Transport
  readonly book: BucketedAddrBook
  readonly manager: DefaultPeerManager
  addr(): NetAddress
  stop(): Promise<void>
  running: boolean
}

export interface NetNodeOptions {
  name: string
  seedMode?: boolean
  seeds?: NetAddress[]
  key?: NodeKey
  /** Period of PEX and the peer manager. */
  periodMs: number
  outboundTarget: number
  manager?: PeerManagerInit
  /** Go's choice only (3 × wanted random picks, no scan of the book when they come up short). */
  goPicksOnly?: boolean
}

/** Builds and starts nodes in the order a node does: book, transport, switch (with PEX), peer manager. */
export async function startNode(network: MemoryNetwork, o: NetNodeOptions): Promise<NetNode> {
  const key = o.key ?? generateNodeKey()
  let info: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: key.id,
    listenAddr: '',
    network: 'peer-manager-net',
    version: '0.34.35',
    channels: Uint8Array.of(0x00),
    moniker: o.name,
    other: { txIndex: 'off', rpcAddress: '' }
  }
  const nodeInfo = (): NodeInfo => info
  const book = addrBook({ strict: false })({})
  const transport = memoryTransport({ network })({ nodeKey: key, nodeInfo })
  // every node of the memory network is 127.0.0.1 with its own port
  const sw = p2pSwitch({ allowDuplicateIp: true, maxOutboundPeers: o.outboundTarget, maxInboundPeers: 40 })({ transport, nodeInfo, addrBook: book })
  const manager = peerManager({
    seeds: (o.seeds ?? []).map(netAddressString),
    maxOutboundPeers: o.seedMode === true ? 0 : o.outboundTarget,
    ensurePeersPeriodMs: o.periodMs,
    allowDuplicateIp: true,
    seedFollowUpMs: 5 * o.periodMs,
    seedFollowUpPollMs: Math.max(10, Math.floor(o.periodMs / 10)),
    minRedialIntervalMs: o.periodMs,
    dialBackoffBaseMs: o.periodMs / 4,
    dialBackoffJitterMs: o.periodMs / 4,
    ...o.manager
  })({ switch: sw, addrBook: book, ...(o.goPicksOnly === true ? { dialStrategy: new BiasedRandomStrategy(book, { scanWhenShort: false }) } : {}) })
  sw.addReactor(
    pex({
      seedMode: o.seedMode === true,
      ensurePeersPeriodMs: o.periodMs,
      minReceiveIntervalMs: Math.floor(o.periodMs / 4),
      minSendIntervalMs: Math.floor(o.periodMs / 2),
      crawlPeriodMs: o.periodMs,
      minTimeBetweenCrawlsMs: o.periodMs * 2,
      seedDisconnectWaitMs: o.periodMs * 4
    })({ addrBook: book, dialer: manager })
  )
  await book.start()
  await transport.start()
  const listen = transport.listenAddress()
  info = { ...info, listenAddr: `tcp://${listen.ip}:${listen.port}` }
  book.addOurAddress(listen)
  await sw.start()
  await manager.start()
  const node: NetNode = {
    name: o.name,
    key,
    sw,
    transport,
    book,
    manager,
    addr: () => listen,
    running: true,
    async stop() {
      if (!node.running) return
      node.running = false
      await manager.stop()
      await sw.stop()
      await transport.stop()
      await book.stop()
    }
  }
  return node
}

/** Outbound peers of `n` that are not seeds. */
export function outbound(n: NetNode, seeds: ReadonlySet<string>): number {
  return n.sw.peers().list().filter((p) => p.outbound && !seeds.has(p.id)).length
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
