/**
 * Swapping the dial strategy of a peer manager: build the strategy, pass it as the
 * `dialStrategy` component. Run: `npx tsx examples/fixed-list-strategy/main.ts`.
 */
import { addrBook } from '@p2p/addrbook'
import { FakeSwitch } from '@p2p/compliance-tests/peer-manager'
import { peerManager } from '@p2p/peer-manager'
import { parseNetAddressLiteral } from '@p2p/types'
import { fixedListStrategy } from './fixed-list-strategy.js'

export async function main(log: (line: string) => void = console.log): Promise<number> {
  const known = ['1', '2', '3'].map((n) => parseNetAddressLiteral(`${n.repeat(40)}@127.0.0.${n}:26656`))
  const sw = new FakeSwitch() // any SwitchAdmission & peers/numPeers/events: the real p2pSwitch in a node
  sw.reachable(...known)
  // the swap: about ten lines
  const manager = peerManager({ maxOutboundPeers: 2 })({
    switch: sw,
    addrBook: addrBook({ strict: false })({}),
    dialStrategy: fixedListStrategy(known, { rotate: true })
  })
  await manager.start()
  await new Promise((r) => setTimeout(r, 50))
  await manager.stop()
  for (const p of sw.peers().list()) log(`connected to ${p.id}@${p.socketAddr.ip}:${p.socketAddr.port}`)
  return sw.peers().size
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
