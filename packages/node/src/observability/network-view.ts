import { dialString } from '@p2p/types'
import { networkPeer } from './status-json.js'
import type { NetworkNode, NetworkView, NodeStatusSource } from './status-source.js'

/**
 * The view of several nodes this process runs (a testnet): each node with its peers and the
 * direction of each connection. A node that is not listening is drawn as unreachable.
 */
export function networkViewOf(sources: readonly NodeStatusSource[]): NetworkView {
  return {
    nodes: sources.map((s): NetworkNode => {
      const info = s.nodeInfo()
      const listen = s.listenAddress()
      return {
        id: info.id,
        address: listen === undefined ? info.listenAddr : dialString(listen),
        reachable: listen !== undefined,
        label: info.moniker,
        peers: s.peers().map(networkPeer)
      }
    })
  }
}
