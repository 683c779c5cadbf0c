import { pathToFileURL } from 'node:url'
import { generateNodeKey } from '@p2p/config'
import { type CreateNodeOptions, createNode, type P2PNode } from '@p2p/node'

/** A node on loopback with short periods: the part every example shares. */
export function loopbackNode(name: string, ip: string, options: Partial<CreateNodeOptions> = {}): Promise<P2PNode> {
  return createNode({
    nodeKey: generateNodeKey(),
    network: 'swaps-example',
    ...options,
    config: { moniker: name, listenAddress: `tcp://${ip}:0`, addrBookStrict: false, allowDuplicateIp: true, ...options.config },
    layerOptions: { peerManager: { ensurePeersPeriodMs: 300 }, pex: { ensurePeersPeriodMs: 300 }, ...options.layerOptions }
  })
}

/**
 * A seed serves only addresses it has verified by crawling them itself (see @p2p/pex), and by
 * default it crawls every 30 s: the examples' seed crawls on their short period, so a newcomer
 * hears of the others in seconds.
 */
export const SEED_LAYER_OPTIONS: NonNullable<CreateNodeOptions['layerOptions']> = {
  peerManager: { ensurePeersPeriodMs: 300 },
  pex: { ensurePeersPeriodMs: 300, crawlPeriodMs: 300 }
}

/** Resolves when `check` holds, polling; rejects after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Runs `main` when the file is executed directly (`npx tsx examples/node-swaps/x.ts`). */
export function runIfMain(url: string, main: () => Promise<number>): void {
  if (process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href) {
    main().then(
      (code) => {
        process.exitCode = code
      },
      (err: unknown) => {
        console.error(err instanceof Error ? err.message : err)
        process.exitCode = 1
      }
    )
  }
}
