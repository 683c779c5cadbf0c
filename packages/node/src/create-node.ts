import { defaultP2PConfig, type P2PConfig, validateP2PConfig } from '@p2p/config'
import {
  type AddrBook,
  type BanList,
  type ComponentLogger,
  ConfigError,
  combinePeerFilters,
  type DialStrategy,
  disabledComponentLogger,
  type Metrics,
  MissingComponentError,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  type NodeKey,
  type PeerManager,
  type Reactor,
  type Switch,
  type SwitchEvents,
  type Transport,
  type TypedEventTarget
} from '@p2p/types'
import type {
  AddrBookComponents,
  BanListComponents,
  DialStrategyComponents,
  Factory,
  NodeComponents,
  PeerManagerComponents,
  ReactorComponents,
  SwitchComponents,
  TransportComponents
} from './components.js'
import { configToInit, type LayerInits } from './config-to-init.js'
import { defaultFactories, type LayerOptions } from './defaults.js'
import { checkChainId, loadHome } from './home.js'
import { NodeLifecycle } from './lifecycle.js'
import { makeNodeInfo } from './node-info.js'
import { promMetrics } from './observability/prom-metrics.js'
import { type NodeHttpOptions, withHttpApi } from './observability/with-http.js'

/** Options of {@link createNode}. Every layer is replaceable by passing another factory. */
export interface CreateNodeOptions {
  /**
   * A CometBFT home directory: reads `config/config.toml`, `config/node_key.json` (generated
   * when missing, as Go) and the chain ID from `config/genesis.json`; the address book is
   * `config/addrbook.json` unless the config says otherwise.
   */
  home?: string
  /** The configuration, or changes applied over the home's (or the defaults without a home). */
  config?: Partial<P2PConfig>
  /** The node's identity. Required without `home`. */
  nodeKey?: NodeKey
  /** The chain ID sent in NodeInfo; default the home's genesis `chain_id`. */
  network?: string
  /** Software version sent in NodeInfo. Default `0.34.35`. */
  version?: string
  logger?: ComponentLogger
  /** A metrics sink handed to every component (none by default). */
  metrics?: Metrics
  transport?: Factory<Transport, TransportComponents>
  addrBook?: Factory<AddrBook, AddrBookComponents>
  switch?: Factory<Switch, SwitchComponents>
  /** The PEX reactor; `false` runs without one (as `pex = false`). */
  pex?: Factory<Reactor, ReactorComponents> | false
  peerManager?: Factory<PeerManager, PeerManagerComponents> | false
  dialStrategy?: Factory<DialStrategy, DialStrategyComponents>
  /** The ban list, also used as the peer filter of the transport and the switch; `false` for none. */
  banList?: Factory<BanList, BanListComponents> | false
  /** More reactors (consensus, mempool, your own), instances or factories. */
  reactors?: ReadonlyArray<Reactor | Factory<Reactor, ReactorComponents>>
  /** Options per layer merged over those the config gives (e.g. short periods in tests). */
  layerOptions?: LayerOptions
  /**
   * Serve the observability HTTP API (`/metrics`, `/status`, `/net_info`, `/addrbook`, `/peers`,
   * the network page) on `http.listen` (default 127.0.0.1:26660). Off by default. Without
   * `metrics`, a prom-client registry is made for it.
   */
  http?: NodeHttpOptions
}

/** A composed node. `start` and `stop` are idempotent. */
export interface P2PNode {
  readonly id: NodeID
  readonly config: P2PConfig
  readonly inits: LayerInits
  readonly components: NodeComponents
  /** The switch's events: `peer:add`, `peer:remove`, `peer:rejected`, `dial:error`. */
  readonly events: TypedEventTarget<SwitchEvents>
  /** Our NodeInfo; after `start` its `listenAddr` holds the bound port unless an external address is configured. */
  nodeInfo(): NodeInfo
  /** The address we listen on (bound port included); throws `NotStartedError` before `start`. */
  listenAddress(): NetAddress
  /** True between a completed `start` and `stop`. */
  isStarted(): boolean
  /** Starts address book → transport → switch (and its reactors) → peer manager. */
  start(): Promise<void>
  /** Stops in reverse order: peers are told, the address book is saved. */
  stop(): Promise<void>
}

/**
 * Builds a node from a home directory or explicit options. Every component is checked up
 * front: a missing one is a `MissingComponentError` naming all that are missing, before any
 * file or socket is opened.
 *
 * @example
 * ```ts
 * import { createNode, nodeLogger } from '@p2p/node'
 *
 * const node = await createNode({ home: '/var/lib/cometbft', logger: nodeLogger({ format: 'pretty' }) })
 * await node.start()
 * process.once('SIGTERM', () => void node.stop())
 * ```
 * @throws MissingComponentError, ConfigError, CorruptFileError
 */
export async function createNode(options: CreateNodeOptions = {}): Promise<P2PNode> {
  const home = options.home === undefined ? undefined : await loadHome(options.home)
  const config: P2PConfig = { ...(home?.config ?? defaultP2PConfig()), ...options.config }
  if (options.config !== undefined) validateP2PConfig(config)
  const nodeKey = options.nodeKey ?? home?.nodeKey
  const network = options.network ?? home?.chainId
  if (network !== undefined) checkChainId(network, options.network !== undefined ? 'network' : (home?.paths.genesisFile ?? 'network'))

  const inits = withoutCwdFiles(configToInit(config), home === undefined && options.config?.addrBookFile === undefined)
  const defaults = defaultFactories(inits, options.layerOptions)
  const factories: {
    transport: Factory<Transport, TransportComponents>
    addrBook: Factory<AddrBook, AddrBookComponents>
    switch: Factory<Switch, SwitchComponents> | undefined
    pex: Factory<Reactor, ReactorComponents> | false | undefined
    peerManager: Factory<PeerManager, PeerManagerComponents> | false | undefined
    dialStrategy: Factory<DialStrategy, DialStrategyComponents> | undefined
    banList: Factory<BanList, BanListComponents> | false | undefined
  } = {
    transport: options.transport ?? defaults.transport,
    addrBook: options.addrBook ?? defaults.addrBook,
    switch: options.switch ?? defaults.switch,
    pex: options.pex === false || inits.pex === undefined ? false : (options.pex ?? defaults.pex),
    peerManager: options.peerManager === false ? false : (options.peerManager ?? defaults.peerManager),
    dialStrategy: options.dialStrategy ?? defaults.dialStrategy,
    banList: options.banList === false ? false : (options.banList ?? defaults.banList)
  }

  const missing: string[] = []
  if (nodeKey === undefined) missing.push('nodeKey')
  if (factories.switch === undefined) missing.push('switch')
  if (factories.peerManager === undefined) missing.push('peerManager')
  if (factories.pex === undefined) missing.push('pex')
  if (factories.pex !== false && config.seedMode && factories.peerManager === false) missing.push('dialer (a seed crawls through the peer manager)')
  const reactorFactories = options.reactors ?? []
  if (missing.length > 0) throw new MissingComponentError(missing)
  if (network === undefined) {
    throw new ConfigError('network', 'no chain ID: pass one (--chain-id / network) or put a genesis.json in <home>/config')
  }
  // The checks above guarantee these; TypeScript cannot follow them through `missing`.
  const key = nodeKey as NodeKey
  const switchFactory = factories.switch as Factory<Switch, SwitchComponents>

  const logger = options.logger ?? disabledComponentLogger()
  const metrics = options.metrics ?? (options.http === undefined ? undefined : promMetrics())
  const base = { logger, ...(metrics === undefined ? {} : { metrics }) }
  const reactors: Reactor[] = []
  let info: NodeInfo | undefined
  const nodeInfo = (): NodeInfo => {
    if (info === undefined) throw new Error('NodeInfo read before the node was composed')
    return info
  }

  const banList = factories.banList === false || factories.banList === undefined ? undefined : factories.banList(base)
  const peerFilter = banList === undefined ? undefined : combinePeerFilters(banList)
  const transport = factories.transport({ ...base, nodeKey: key, nodeInfo, ...(peerFilter === undefined ? {} : { peerFilter }) })
  const book = factories.addrBook(base)
  const sw = switchFactory({ ...base, transport, nodeInfo, addrBook: book, ...(peerFilter === undefined ? {} : { peerFilter }) })
  const dialStrategy = factories.dialStrategy?.({ ...base, addrBook: book })
  const peerManager =
    factories.peerManager === false || factories.peerManager === undefined
      ? undefined
      : factories.peerManager({
          ...base,
          switch: sw,
          addrBook: book,
          ...(dialStrategy === undefined ? {} : { dialStrategy }),
          ...(banList === undefined ? {} : { banList })
        })
  const reactorComponents = (): ReactorComponents => ({ ...base, addrBook: book, ...(peerManager === undefined ? {} : { dialer: peerManager }) })
  if (factories.pex !== false && factories.pex !== undefined) reactors.push(factories.pex(reactorComponents()))
  for (const r of reactorFactories) reactors.push(typeof r === 'function' ? r(reactorComponents()) : r)
  // A factory that returned nothing is a missing component too: say so before anything opens.
  const built = { transport, addrBook: book, switch: sw, peerManager, dialStrategy, banList }
  const empty = Object.entries(built)
    .filter(([name, value]) => value == null && (factories as Record<string, unknown>)[name] !== false && (factories as Record<string, unknown>)[name] !== undefined)
    .map(([name]) => `${name} (its factory returned nothing)`)
  const ours = reactors.length - reactorFactories.length
  reactors.forEach((r, i) => {
    if (r == null) empty.push(i < ours ? 'pex (its factory returned nothing)' : `reactors[${i - ours}] (its factory returned nothing)`)
  })
  if (empty.length > 0) throw new MissingComponentError(empty)
  for (const r of reactors) sw.addReactor(r)

  info = makeNodeInfo({
    id: key.id,
    network,
    version: options.version,
    moniker: inits.nodeInfo.moniker,
    rpcAddress: inits.nodeInfo.rpcAddress,
    listenAddr: inits.nodeInfo.externalAddress ?? inits.transport.listen ?? '',
    channels: reactors.flatMap((r) => r.channels().map((c) => c.id))
  })

  const components: NodeComponents = {
    ...base,
    nodeKey: key,
    transport,
    addrBook: book,
    switch: sw,
    banList,
    dialStrategy,
    peerManager,
    reactors
  }
  const node = new NodeLifecycle({
    config,
    inits,
    components,
    nodeInfo,
    setNodeInfo: (next) => {
      info = next
    }
  })
  return options.http === undefined ? node : withHttpApi(node, options.http, metrics)
}

/**
 * Without a home directory the config's relative `config/addrbook.json` would land in the
 * process's working directory: a library user (or a test) gets an in-memory book instead,
 * unless they named a file.
 */
function withoutCwdFiles(inits: LayerInits, inMemoryBook: boolean): LayerInits {
  if (!inMemoryBook) return inits
  const { filePath: _unused, ...book } = inits.addrBook
  return { ...inits, addrBook: book }
}
