/**
 * In-process A/B of connection set-up CPU between two checkouts of this repository, for judging
 * a change on a shared machine: both trees' transports run in this one process (each a listener
 * and `--parallel` dialers on loopback), in alternating chunks of `--pairs` connections, so both
 * see the same load; each chunk is measured with `process.cpuUsage()` (all threads). Prints the
 * median CPU per pair (dial + secret handshake + NodeInfo + MConnection start + close, both
 * sides) of each tree, in how many chunk pairs B was cheaper, and the median paired difference.
 *
 * A tree is a path to a checkout whose `packages/transport/src` is used through tsx, or
 * `dist:<path>` for its built `packages/transport/dist`. A second checkout is made with
 * `git worktree add --detach <dir> <rev>`; link its `node_modules` and
 * `packages/transport/node_modules` to this checkout's so it resolves the same dependencies.
 *
 * Run: npx tsx packages/transport/bench/handshake-ab.ts <treeA> <treeB> [--chunks=20] [--pairs=200] [--parallel=8]
 */
import type { NodeInfo, NodeKey, Transport } from '@p2p/types'
import { identity, numberArg } from './transport-common.js'

const [A, B] = process.argv.slice(2).filter((a) => !a.startsWith('--'))
if (A === undefined || B === undefined) {
  console.error('usage: handshake-ab.ts <treeA> <treeB> [--chunks=20] [--pairs=200] [--parallel=8]')
  process.exit(2)
}
const CHUNKS = numberArg('chunks', 20)
const PAIRS = numberArg('pairs', 200)
const PARALLEL = numberArg('parallel', 8)
process.setSourceMapsEnabled(false)

interface TransportModule {
  tcpTransport: (init: object) => (c: { nodeKey: NodeKey; nodeInfo: () => NodeInfo }) => Transport
}

async function setup(tree: string): Promise<(n: number) => Promise<void>> {
  const dist = tree.startsWith('dist:')
  const root = dist ? tree.slice(5) : tree
  const t = (await import(`${root}/packages/transport/${dist ? 'dist/index.js' : 'src/index.ts'}`)) as TransportModule
  const e = (await import(`${root}/packages/transport/${dist ? 'dist/secret/ed25519.js' : 'src/secret/ed25519.ts'}`)) as {
    nodeKeyFromSeed: (seed: Uint8Array) => NodeKey
  }
  const make = async (extra: object): Promise<Transport> => {
    const { nodeKey, nodeInfo } = identity([0x77], e.nodeKeyFromSeed)
    const tr = t.tcpTransport({ listen: '127.0.0.1:0', allowDuplicateIp: true, mconnection: { sendRate: 0, recvRate: 0 }, ...extra })({ nodeKey, nodeInfo: () => nodeInfo })
    await tr.start()
    return tr
  }
  const listener = await make({ maxPendingInbound: 1024, maxPendingPerIp: 1024 })
  const dialers = await Promise.all(Array.from({ length: PARALLEL }, () => make({})))
  const channels = [{ id: 0x77, priority: 5 }]
  const noop = { onReceive() {}, onClose() {} }
  void (async () => {
    for await (const c of listener.accept()) c.start(channels, noop)
  })()
  const addr = listener.listenAddress()
  return async (n) => {
    let started = 0
    await Promise.all(
      dialers.map(async (d) => {
        while (started < n) {
          started++
          const c = await d.dial(addr)
          c.start(channels, noop)
          await c.close()
        }
      })
    )
  }
}

const runA = await setup(A)
const runB = await setup(B)
for (let i = 0; i < 2; i++) {
  await runA(400)
  await runB(400)
}
const a: number[] = []
const b: number[] = []
for (let i = 0; i < CHUNKS; i++) {
  const order: Array<[(n: number) => Promise<void>, number[]]> = i % 2 === 0 ? [[runA, a], [runB, b]] : [[runB, b], [runA, a]]
  for (const [run, out] of order) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const c0 = process.cpuUsage()
    await run(PAIRS)
    const c = process.cpuUsage(c0)
    out.push((c.user + c.system) / PAIRS)
  }
}
const med = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] as number
const diffs = a.map((v, i) => (b[i] as number) - v)
console.log(
  `A ${A}: ${med(a).toFixed(0)} µs/pair; B ${B}: ${med(b).toFixed(0)} µs/pair; B cheaper in ${diffs.filter((d) => d < 0).length}/${CHUNKS} chunk pairs; median paired difference ${med(diffs).toFixed(0)} µs (${((100 * med(diffs)) / med(a)).toFixed(1)} %)`
)
process.exit(0)
