import { type ConnectionStatus, dialString, type NetAddress, type NodeInfo, netAddressString, type Peer } from '@p2p/types'
import type { NetworkPeer, NetworkView, NodeStatusSource } from './status-source.js'

/** NodeInfo as JSON, with Go's RPC field names (`/status` of a CometBFT node). */
export function nodeInfoJson(info: NodeInfo): Record<string, unknown> {
  return {
    protocol_version: {
      p2p: info.protocolVersion.p2p.toString(),
      block: info.protocolVersion.block.toString(),
      app: info.protocolVersion.app.toString()
    },
    id: info.id,
    listen_addr: info.listenAddr,
    network: info.network,
    version: info.version,
    channels: Buffer.from(info.channels).toString('hex'),
    moniker: info.moniker,
    other: { tx_index: info.other.txIndex, rpc_address: info.other.rpcAddress }
  }
}

function peerCounts(source: NodeStatusSource, peers: readonly Peer[]): Record<string, number> {
  let outbound = 0
  let unconditional = 0
  for (const p of peers) {
    if (p.outbound) outbound++
    if (p.unconditional) unconditional++
  }
  return {
    total: peers.length,
    outbound,
    inbound: peers.length - outbound,
    unconditional,
    // the switch's own counts (unconditional peers excluded), when it gives them
    ...(source.numPeers !== undefined
      ? { counted_outbound: source.numPeers().outbound, counted_inbound: source.numPeers().inbound }
      : {})
  }
}

/** `/status`: our NodeInfo, listen address, peer and address-book counts. */
export function statusJson(source: NodeStatusSource): Record<string, unknown> {
  const listen = source.listenAddress()
  const peers = source.peers()
  return {
    node_info: nodeInfoJson(source.nodeInfo()),
    listen_addresses: listen === undefined ? [] : [netAddressString(listen)],
    peers: peerCounts(source, peers),
    addrbook: source.addrBook?.() ?? null
  }
}

/** One peer of `/net_info`, from `Peer.status()`. */
export function peerJson(peer: Peer, now: number): Record<string, unknown> {
  let status: ReturnType<Peer['status']> | undefined
  try {
    status = peer.status()
  } catch {
    // a peer that closed between peers() and status(): report what is known
  }
  return {
    id: peer.id,
    address: netAddressString(peer.socketAddr),
    remote_ip: peer.socketAddr.ip,
    direction: peer.outbound ? 'outbound' : 'inbound',
    is_outbound: peer.outbound,
    persistent: peer.persistent,
    unconditional: peer.unconditional,
    node_info: nodeInfoJson(peer.nodeInfo),
    ...(status === undefined
      ? {}
      : {
          connected_since: new Date(status.connectedAt).toISOString(),
          duration_ms: Math.max(0, now - status.connectedAt),
          bytes_sent: status.bytesSent,
          bytes_received: status.bytesReceived,
          channels: status.channels.map((c) => ({
            id: c.id,
            priority: c.priority,
            send_queue_size: c.sendQueueSize,
            send_queue_capacity: c.sendQueueCapacity,
            send_queue_fill: c.sendQueueCapacity > 0 ? c.sendQueueSize / c.sendQueueCapacity : 0,
            recently_sent: c.recentlySent,
            // message payload bytes on this channel since the connection started (no framing)
            bytes_sent: c.bytesSent,
            bytes_received: c.bytesReceived
          }))
        })
  }
}

/** `/net_info`: listening state and every peer (Go's field names where Go has the field). */
export function netInfoJson(source: NodeStatusSource, now = Date.now()): Record<string, unknown> {
  const listen = source.listenAddress()
  const peers = source.peers()
  return {
    listening: listen !== undefined,
    listeners: listen === undefined ? [] : [dialString(listen)],
    n_peers: peers.length,
    peers: peers.map((p) => peerJson(p, now))
  }
}

/** The addresses `/peers` hands out, or undefined when the node cannot tell which it verified. */
export function verifiedAddresses(source: NodeStatusSource, limit: number): readonly NetAddress[] | undefined {
  return source.verifiedAddresses?.(limit).slice(0, limit)
}

/** `/peers` as text: one `id@host:port` per line, as seed node users paste into `seeds`/`persistent_peers`. */
export function peersText(addrs: readonly NetAddress[]): string {
  return addrs.map((a) => `${netAddressString(a)}\n`).join('')
}

/** A peer as a live view lists it: ID, direction, and bytes per channel when its status can be read. */
export function networkPeer(p: Peer): NetworkPeer {
  let status: ConnectionStatus
  try {
    status = p.status()
  } catch {
    return { id: p.id, outbound: p.outbound }
  }
  if (status.channels.length === 0) return { id: p.id, outbound: p.outbound }
  return {
    id: p.id,
    outbound: p.outbound,
    channels: status.channels.map((c) => ({ id: c.id, bytes_sent: c.bytesSent, bytes_received: c.bytesReceived }))
  }
}

/** The default network view of one node: itself (reachable) and its peers, edges from dialler to listener. */
export function selfNetworkView(source: NodeStatusSource): NetworkView {
  const info = source.nodeInfo()
  const listen = source.listenAddress()
  const peers = source.peers()
  return {
    nodes: [
      {
        id: info.id,
        address: listen === undefined ? info.listenAddr : dialString(listen),
        reachable: true,
        label: info.moniker,
        peers: peers.map(networkPeer)
      },
      ...peers.map((p) => ({
        id: p.id,
        // an inbound peer's socket port is ephemeral: show the address it listens on
        address: p.outbound ? dialString(p.socketAddr) : p.nodeInfo.listenAddr,
        reachable: true,
        label: p.nodeInfo.moniker
      }))
    ]
  }
}
