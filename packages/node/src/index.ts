/**
 * @packageDocumentation
 *
 * The composition root of `@p2p`: {@link createNode} wires the concrete layers (TCP transport,
 * bucketed address book, switch, PEX, peer manager) together, maps a CometBFT `config.toml`
 * onto each layer's own options ({@link configToInit}), and starts and stops them in order.
 * Every layer can be replaced by passing another factory. Also the `p2p-node` CLI
 * (`init`, `show-node-id`, `start`, `seed`, `testnet`).
 *
 * @example
 * ```ts
 * import { createNode, initHome, nodeLogger } from '@p2p/node'
 *
 * await initHome('/tmp/p2p-home', { chainId: 'my-chain', config: { seeds: ['<id>@seed.example.com:26656'] } })
 * const node = await createNode({ home: '/tmp/p2p-home', logger: nodeLogger({ format: 'pretty' }) })
 * await node.start()
 * node.events.addEventListener('peer:add', (e) => console.log('peer', e.detail.id))
 * process.once('SIGINT', () => void node.stop())
 * ```
 */
export type {
  AddrBookComponents,
  BanListComponents,
  BaseComponents,
  DialStrategyComponents,
  Factory,
  NodeComponents,
  PeerManagerComponents,
  ReactorComponents,
  SwitchComponents,
  TransportComponents
} from './components.js'
export { renderConfigToml } from './config-template.js'
export {
  configToInit,
  type LayerInits,
  type NodeInfoFromConfig,
  type PeerManagerInitFromConfig,
  type PexInitFromConfig,
  type SwitchInitFromConfig
} from './config-to-init.js'
export { type CreateNodeOptions, createNode, type P2PNode } from './create-node.js'
export type { LayerOptions } from './defaults.js'
export { FD_RESERVE, openFileLimit, requiredFileDescriptors } from './fd-limit.js'
export {
  checkChainId,
  DEFAULT_GENESIS_PATH,
  type HomePaths,
  homePaths,
  type InitHomeOptions,
  type InitHomeResult,
  initHome,
  type LoadedHome,
  loadHome,
  readChainId
} from './home.js'
export { ResourceError } from './lifecycle.js'
export {
  formatLogMessage,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  type NodeLogger,
  type NodeLoggerOptions,
  nodeLogger
} from './logger.js'
export { BLOCK_PROTOCOL, DEFAULT_VERSION, type MakeNodeInfoOptions, makeNodeInfo, P2P_PROTOCOL } from './node-info.js'
export {
  runTestnet,
  type TestnetNodeStatus,
  type TestnetOptions,
  type TestnetResult,
  type TestnetSnapshot
} from './testnet.js'
export { main as runCli, type CliIO } from './cli/main.js'
export { EXIT as EXIT_CODES } from './cli/exit-codes.js'
export * from './observability/index.js'
