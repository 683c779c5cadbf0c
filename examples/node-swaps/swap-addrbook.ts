/**
 * A node with another address book: `examples/simple-addrbook` (an unbucketed map) instead of
 * `@p2p/addrbook`. It starts knowing only a seed, learns node A's address through PEX, and the
 * peer manager dials A from that book. Run: `npx tsx examples/node-swaps/swap-addrbook.ts`.
 */
import { netAddressString } from '@p2p/types'
import { simpleAddrBook } from '../simple-addrbook/simple-addrbook.js'
import { loopbackNode, runIfMain, SEED_LAYER_OPTIONS, until } from './shared.js'

export async function main(log: (line: string) => void = console.log): Promise<number> {
  const seed = await loopbackNode('seed', '127.0.0.1', { config: { seedMode: true }, layerOptions: SEED_LAYER_OPTIONS })
  await seed.start()
  const seeds = [netAddressString(seed.listenAddress())]
  const a = await loopbackNode('a', '127.0.0.2', { config: { seeds } })
  await a.start()
  // the swap: any factory returning an AddrBook
  const b = await loopbackNode('b', '127.0.0.3', { config: { seeds }, addrBook: () => simpleAddrBook({ capacity: 100 })() })
  await b.start()
  try {
    await until(() => b.components.switch.peers().has(a.id), 'b to connect to a')
    log(`b's simple book holds ${b.components.addrBook.size()} addresses: ${b.components.addrBook.list().map((x) => x.id.slice(0, 8)).join(', ')}; b is connected to a`)
    return 0
  } finally {
    await Promise.all([b.stop(), a.stop(), seed.stop()])
  }
}

runIfMain(import.meta.url, () => main())
