/**
 * A node with a reactor of your own: the echo reactor of `examples/echo-reactor` on channel
 * 0x7e, next to PEX. Node B has node A as a persistent peer; once connected, B pings A over the
 * echo channel. Run: `npx tsx examples/node-swaps/custom-reactor.ts`.
 */
import { netAddressString } from '@p2p/types'
import { EchoReactor } from '../echo-reactor/echo-reactor.js'
import { loopbackNode, runIfMain, until } from './shared.js'

export async function main(log: (line: string) => void = console.log): Promise<number> {
  const echoA = new EchoReactor()
  const echoB = new EchoReactor()
  // the swap: one more reactor for createNode
  const a = await loopbackNode('a', '127.0.0.1', { reactors: [echoA] })
  await a.start()
  const b = await loopbackNode('b', '127.0.0.2', { reactors: [echoB], config: { persistentPeers: [netAddressString(a.listenAddress())] } })
  await b.start()
  try {
    await until(() => b.components.switch.peers().has(a.id), 'b to connect to a')
    const peer = b.components.switch.peers().get(a.id)!
    const t0 = performance.now()
    const answer = await echoB.ping(peer, new TextEncoder().encode('hello a'))
    log(`b → a echo: "${new TextDecoder().decode(answer)}" in ${(performance.now() - t0).toFixed(1)} ms; channels of b: ${[...b.nodeInfo().channels].map((c) => `0x${c.toString(16)}`).join(', ')}`)
    return echoA.answered === 1 ? 0 : 1
  } finally {
    await b.stop()
    await a.stop()
  }
}

runIfMain(import.meta.url, () => main())
