// Our side of seed-vs-go.ts: a seed node (`createNode` in PEX seed mode, on the built package, as
// `p2p-node seed` composes it) on the address in argv[2] for chain argv[3]. Prints
// {"ready":true,"addr":"<id>@<host:port>"}; stdin `exit` stops it.
// Differences from `p2p-node seed`'s defaults, each to match the Go seed of the same benchmark:
// the address book is in memory and not strict (loopback), and the transport's per-IP bound on
// pending handshakes (4; Go has none) is raised, since every benchmark dialler comes from 127.0.0.1.
import { createInterface } from 'node:readline'
import { addrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { createNode } from '../dist/index.js'

const [laddr, chain] = process.argv.slice(2)
const node = await createNode({
  config: { listenAddress: `tcp://${laddr}`, seedMode: true, maxNumInboundPeers: 10_000, allowDuplicateIp: true, addrBookStrict: false },
  nodeKey: generateNodeKey(),
  network: chain,
  addrBook: (c) => addrBook({ strict: false })(c),
  layerOptions: { transport: { maxPendingInbound: 1024, maxPendingPerIp: 1024 } }
})
await node.start()
process.stdout.write(`${JSON.stringify({ ready: true, addr: `${node.id}@${laddr}` })}\n`)
for await (const line of createInterface({ input: process.stdin })) if (line.trim() === 'exit') break
await node.stop()
process.exit(0)
