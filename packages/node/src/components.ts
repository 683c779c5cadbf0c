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

export interface TransportComponents extends BaseComponents {
  nodeKey: NodeKey
  nodeInfo: () => NodeInfo
  peerFilter?: PeerFilter
}

export type AddrBookComponents = BaseComponents

export type BanListComponents = BaseComponents

export interface SwitchComponents extends BaseComponents {
  transport: Transport
  nodeInfo: () => NodeInfo
  addrBook?: SwitchAddrBook
  peerFilter?: PeerFilter
}

export interface DialStrategyComponents extends BaseComponents {
  addrBook: AddrBook
}

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
