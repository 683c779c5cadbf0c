import type {
  AddrBook,
  BanList,
  ComponentLogger,
  Dialer,
  DialStrategy,
  Metrics,
  NodeInfo,
  NodeKey,
  PeerFilter,
  PeerManager,
  Reactor,
  Switch,
  SwitchAddrBook,
  Transport
} from '@p2p/types'

/** Makes one component from the components it needs: every layer's factory has this shape. */
export type Factory<T, C> = (components: C) => T

/** What every component may receive. */
export interface BaseComponents {
  logger: ComponentLogger
  metrics?: Metrics
}

/** What the node hands a transport factory. */
export interface TransportComponents extends BaseComponents {
  /** The node's identity (from node_key.json or `createNode`'s options). */
  nodeKey: NodeKey
  /** Our NodeInfo as it is now; after `start` its `listenAddr` holds the bound port. */
  nodeInfo: () => NodeInfo
  /** The ban list, when the node has one, asked at every connection stage. */
  peerFilter?: PeerFilter
}

/** What the node hands an address-book factory: only the logger and metrics. */
export type AddrBookComponents = BaseComponents

/** What the node hands a ban-list factory: only the logger and metrics. */
export type BanListComponents = BaseComponents

/** What the node hands a switch factory. */
export interface SwitchComponents extends BaseComponents {
  /** The node's transport, started before the switch. */
  transport: Transport
  /** Our NodeInfo as it is now; its ID identifies self-connections. */
  nodeInfo: () => NodeInfo
  addrBook?: SwitchAddrBook
  peerFilter?: PeerFilter
}

/** What the node hands a dial-strategy factory. */
export interface DialStrategyComponents extends BaseComponents {
  addrBook: AddrBook
}

/** What the node hands a peer-manager factory. */
export interface PeerManagerComponents extends BaseComponents {
  switch: Switch
  addrBook: AddrBook
  dialStrategy?: DialStrategy
  banList?: BanList
}

/** What a reactor factory (PEX or yours) receives. */
export interface ReactorComponents extends BaseComponents {
  addrBook: AddrBook
  /** The peer manager, when the node has one: dial through it, so dials are counted and de-duplicated. */
  dialer?: Dialer
}

/** The components of a running node, as built by `createNode`. */
export interface NodeComponents extends BaseComponents {
  nodeKey: NodeKey
  transport: Transport
  addrBook: AddrBook
  switch: Switch
  banList: BanList | undefined
  dialStrategy: DialStrategy | undefined
  peerManager: PeerManager | undefined
  /** Every reactor on the switch, PEX included. */
  reactors: Reactor[]
}
