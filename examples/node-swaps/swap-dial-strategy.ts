/**
 * A node with another dial strategy: `examples/fixed-list-strategy` dials a fixed list of
 * addresses instead of picking from the address book. No seeds, no persistent peers: the
 * strategy alone makes node C connect to A and B. Run:
 * `npx tsx examples/node-swaps/swap-dial-strategy.ts`.
 */
import { fixedListStrategy } from '../fixed-list-strategy/fixed-list-strategy.js'
import { loopbackNode, runIfMain, until } from './shared.js'

export async function main(log: (line: string) => void = console.log): Promise<number> {
  const a = await loopbackNode('a', '127.0.0.1')
  const b = await loopbackNode('b', '127.0.0.2')
  await Promise.all([a.start(), b.start()])
  // the swap: any factory returning a DialStrategy
  const c = await loopbackNode('c', '127.0.0.3', { dialStrategy: () => fixedListStrategy([a.listenAddress(), b.listenAddress()]) })
  await c.start()
  try {
    await until(() => c.components.switch.peers().size === 2, 'c to connect to a and b')
    log(`c dialled its fixed list: ${c.components.switch.peers().list().map((p) => `${p.nodeInfo.moniker} (${p.outbound ? 'outbound' : 'inbound'})`).join(', ')}`)
    return 0
  } finally {
    await Promise.all([c.stop(), b.stop(), a.stop()])
  }
}

runIfMain(import.meta.url, () => main())
