/**
 * The concrete layers `createNode` uses where the caller passes none. This file and
 * `config-to-init.ts` are the only ones that name concrete implementations.
 */
import { addrBook } from '@p2p/addrbook'
import { type PexInit, pex } from '@p2p/pex'
import {
  type BanListInit,
  type BiasedRandomStrategyInit,
  banList,
  biasedRandomStrategy,
  type PeerManagerInit,
  peerManager
} from '@p2p/peer-manager'
import { p2pSwitch, type SwitchInit } from '@p2p/switch'
import { tcpTransport } from '@p2p/transport'
import type { AddrBook, BanList, DialStrategy, PeerManager, Reactor, Switch, Transport } from '@p2p/types'
import type {
  AddrBookComponents,
  BanListComponents,
  DialStrategyComponents,
  Factory,
  PeerManagerComponents,
  ReactorComponents,
  SwitchComponents,
  TransportComponents
} from './components.js'
import type { LayerInits } from './config-to-init.js'

/** Extra options per layer, merged over what the config gives (short periods for tests, ...). */
export interface LayerOptions {
  transport?: Partial<LayerInits['transport']>
  addrBook?: Partial<LayerInits['addrBook']>
  switch?: SwitchInit
  pex?: PexInit
  peerManager?: PeerManagerInit
  /** Options of the default strategy (Go's biased random choice). */
  dialStrategy?: BiasedRandomStrategyInit
  banList?: BanListInit
}

export interface DefaultFactories {
  transport: Factory<Transport, TransportComponents>
  addrBook: Factory<AddrBook, AddrBookComponents>
  switch: Factory<Switch, SwitchComponents>
  pex: Factory<Reactor, ReactorComponents>
  peerManager: Factory<PeerManager, PeerManagerComponents>
  dialStrategy: Factory<DialStrategy, DialStrategyComponents>
  banList: Factory<BanList, BanListComponents>
}

/** The default implementation of every layer, configured from `inits` and `extra`. */
export function defaultFactories(inits: LayerInits, extra: LayerOptions = {}): DefaultFactories {
  return {
    transport: (c) => tcpTransport({ ...inits.transport, ...extra.transport })(c),
    addrBook: (c) => addrBook({ ...inits.addrBook, ...extra.addrBook })(c),
    switch: (c) => p2pSwitch({ ...inits.switch, ...extra.switch })(c),
    pex: (c) => pex({ ...inits.pex, ...extra.pex })(c),
    peerManager: (c) => peerManager({ ...inits.peerManager, ...extra.peerManager })(c),
    dialStrategy: (c) => biasedRandomStrategy(extra.dialStrategy)(c),
    banList: (c) => banList(extra.banList)(c)
  }
}
