import { setTimeout as sleep } from 'node:timers/promises'
import { createNode } from '../create-node.js'
import type { LayerOptions } from '../defaults.js'
import { loadHome } from '../home.js'
import type { NodeLogger } from '../logger.js'
import type { NodeWithHttp } from '../observability/with-http.js'
import { applyOverrides, configOverrides, type GlobalOptions } from './flags.js'
import { aborted, watchShutdown } from './signals.js'
import { EXIT } from './exit-codes.js'

export interface RunNodeOptions extends Record<string, unknown> {
  chainId?: string
  ensurePeersPeriod?: number
  addrBookSavePeriod?: number
  statusPeriod?: number
  /** `--http host:port`: serve the observability API. */
  http?: string
}

/** Options per layer for the period flags (names as the layers declare them). */
export function periodOptions(o: { ensurePeersPeriod?: number | undefined; addrBookSavePeriod?: number | undefined }): LayerOptions {
  const out: LayerOptions = {}
  if (o.ensurePeersPeriod !== undefined) {
    out.pex = { ensurePeersPeriodMs: o.ensurePeersPeriod }
    out.peerManager = { ensurePeersPeriodMs: o.ensurePeersPeriod }
  }
  if (o.addrBookSavePeriod !== undefined) out.addrBook = { saveIntervalMs: o.addrBookSavePeriod }
  return out
}

/**
 * `p2p-node start` and `p2p-node seed`: run a node from its home until SIGINT/SIGTERM, then stop
 * gracefully (peers told, address book saved) and return 0. A second signal exits at once.
 */
export async function runNode(g: GlobalOptions, opts: RunNodeOptions, mode: 'start' | 'seed', logger: NodeLogger): Promise<number> {
  const watch = watchShutdown({
    onSignal: (name, first) => (first ? logger.info('%s: stopping gracefully (send it again to exit at once)', name) : logger.warn('%s again: exiting now', name))
  })
  try {
    const home = await loadHome(g.home)
    const config = applyOverrides(home.config, configOverrides(opts))
    if (mode === 'seed') {
      config.seedMode = true
      config.pexReactor = true
    }
    if (home.generatedKey) logger.info('generated a new node key in %s', config.nodeKeyFile)
    const node = await createNode({
      config,
      nodeKey: home.nodeKey,
      ...(opts.chainId !== undefined ? { network: opts.chainId } : home.chainId !== undefined ? { network: home.chainId } : {}),
      logger,
      layerOptions: periodOptions(opts),
      ...(opts.http === undefined ? {} : { http: { listen: opts.http } })
    })
    for (const line of node.inits.ignored) logger.warn('%s', line)
    if (watch.signal.aborted) return EXIT.OK
    await node.start()
    const info = node.nodeInfo()
    logger.info(
      '%s %s (%s) on chain %s listening on %s; %d seeds, %d persistent peers, address book %s (%s)',
      mode === 'seed' ? 'seed node' : 'node',
      node.id,
      info.moniker,
      info.network,
      info.listenAddr,
      config.seeds.length,
      config.persistentPeers.length,
      config.addrBookFile,
      addresses(node.components.addrBook.size())
    )
    if ('http' in node) {
      const { host, port } = (node as NodeWithHttp).http.address()
      logger.info('observability API on http://%s:%d/ (metrics, status, net_info, addrbook, peers, network page)', host.includes(':') ? `[${host}]` : host, port)
    }
    const status = reportStatus(node, logger, opts.statusPeriod ?? 60_000, watch.signal)
    await aborted(watch.signal)
    await status
    await node.stop()
    logger.info('stopped; address book saved to %s (%s)', config.addrBookFile, addresses(node.components.addrBook.size()))
    return EXIT.OK
  } finally {
    watch.dispose()
  }
}

const addresses = (n: number): string => `${n} address${n === 1 ? '' : 'es'}`

async function reportStatus(node: Awaited<ReturnType<typeof createNode>>, logger: NodeLogger, periodMs: number, signal: AbortSignal): Promise<void> {
  if (!(periodMs > 0)) return
  try {
    for (;;) {
      await sleep(periodMs, undefined, { signal })
      const sw = node.components.switch
      const counts = sw.numPeers()
      logger.info('status: peers=%d outbound=%d inbound=%d book=%d', sw.peers().size, counts.outbound, counts.inbound, node.components.addrBook.size())
    }
  } catch {
    // aborted: the node is stopping
  }
}
