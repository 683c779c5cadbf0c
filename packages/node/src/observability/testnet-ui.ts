import { NotStartedError } from '@p2p/types'
import type { P2PNode } from '../create-node.js'
import type { TestnetResult } from '../testnet.js'
import { HttpApi } from './http-api.js'
import { networkViewOf } from './network-view.js'
import { nodeStatusSource } from './node-status-source.js'
import type { NodeStatusSource } from './status-source.js'
import { parseHttpListen } from './with-http.js'

/** The network page of `p2p-node testnet --ui`. */
export interface TestnetUi {
  readonly url: string
  /** Hands the testnet's nodes to the page (runTestnet's `onStarted`). */
  show(nodes: readonly P2PNode[]): void
  /** Keeps the testnet running for the page until `signal` aborts (runTestnet's `beforeStop`). */
  hold(result: TestnetResult, signal: AbortSignal): Promise<void>
  stop(): Promise<void>
}

/**
 * Serves the page, `/network` (every node of the testnet with its peers) and the first node's
 * `/status`, `/net_info`, `/addrbook` on `listen` (default 127.0.0.1:26660).
 */
export async function startTestnetUi(listen: string | undefined, io: { stdout(text: string): void }): Promise<TestnetUi> {
  let sources: NodeStatusSource[] = []
  const first = (): NodeStatusSource => {
    const s = sources[0]
    if (s === undefined) throw new NotStartedError('the testnet is starting')
    return s
  }
  const status: NodeStatusSource = {
    nodeInfo: () => first().nodeInfo(),
    listenAddress: () => first().listenAddress(),
    peers: () => first().peers(),
    numPeers: () => first().numPeers?.() ?? { outbound: 0, inbound: 0 },
    addrBook: () => first().addrBook?.(),
    network: () => networkViewOf(sources)
  }
  const { host, port } = parseHttpListen(listen ?? '127.0.0.1:26660')
  const api = new HttpApi({ host, port }, { status })
  await api.start()
  const bound = api.address()
  const url = `http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}/`
  io.stdout(`network page: ${url}\n`)
  return {
    url,
    show(nodes) {
      sources = nodes.map((n) => nodeStatusSource(n))
    },
    async hold(result, signal) {
      if (signal.aborted) return
      io.stdout(`${result.converged ? 'converged' : 'did not converge'}; the testnet keeps running for the network page at ${url} — Ctrl-C stops it\n`)
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
    },
    stop: () => api.stop()
  }
}
