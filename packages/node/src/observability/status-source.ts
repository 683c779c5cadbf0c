import type { NetAddress, NodeInfo, Peer, PeerCounts } from '@p2p/types'

/** What `/addrbook` shows: counts, never the addresses themselves. */
export interface AddrBookSummary {
  /** Every address in the book. */
  readonly size: number
  /** Addresses never connected to (Go's "new" buckets), when the book tells. */
  readonly new?: number
  /** Addresses we connected to and handshook with (Go's "old" buckets), when the book tells. */
  readonly old?: number
  /** Addresses banned now, when the book tells. */
  readonly banned?: number
  /** True while the book asks PEX for more addresses. */
  readonly needMoreAddrs?: boolean
}

/**
 * One node of a network view, the shape of a crawl file's `nodes` entries:
 * `{ "id", "address", "reachable", "peers"? }`. `peers` holds the IDs (or `{ id, outbound }`)
 * of the node's peers; it may be missing when the crawler could not ask the node.
 */
export interface NetworkNode {
  readonly id: string
  /** `host:port` or `id@host:port`. */
  readonly address: string
  readonly reachable: boolean
  readonly peers?: ReadonlyArray<string | NetworkPeer>
  /** Free text shown beside the node (moniker, version). */
  readonly label?: string
}

/** A peer of a node in a view: its ID, who dialled, and (live views) bytes per channel. */
export interface NetworkPeer {
  readonly id: string
  /** True when this node dialled the peer. */
  readonly outbound?: boolean
  /** Message payload bytes per channel on this connection (live views only; shown in the page's details). */
  readonly channels?: ReadonlyArray<{ readonly id: number; readonly bytes_sent: number; readonly bytes_received: number }>
}

/** A set of nodes with their peer lists: a crawl result, a testnet, or one node and its peers. */
export interface NetworkView {
  readonly nodes: readonly NetworkNode[]
}

/**
 * What the HTTP API reads from a node. `@p2p/node` implements it over the switch, the
 * transport and the address book; tests implement it with fakes. Every method is called per
 * request and must be cheap and synchronous.
 */
export interface NodeStatusSource {
  /** Our NodeInfo now (`/status`). */
  nodeInfo(): NodeInfo
  /** The address we listen on, undefined before the transport started. */
  listenAddress(): NetAddress | undefined
  /** The connected peers now (`/net_info`). */
  peers(): readonly Peer[]
  /** Peer counts as the switch keeps them (unconditional peers excluded). */
  numPeers?(): PeerCounts
  /** A summary of the address book; undefined when the node has none. */
  addrBook?(): AddrBookSummary | undefined
  /**
   * Up to `limit` addresses this node verified itself (connected and handshook), most recent
   * first: what a seed's `/peers` hands out. Undefined when the book cannot tell.
   */
  verifiedAddresses?(limit: number): readonly NetAddress[]
  /**
   * The nodes to draw on the live page. Default: this node and its peers. A testnet gives all
   * its nodes with their peers.
   */
  network?(): NetworkView
}
