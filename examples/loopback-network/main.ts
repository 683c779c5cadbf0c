/**
 * A local CometBFT-style network on loopback: N nodes, each with its own ed25519 key, connected
 * in a full mesh over TCP with the real SecretConnection, NodeInfo handshake and MConnection.
 * Every node greets every peer and sends it a 1 MiB block on a second channel; the run prints
 * who connected to whom, how long the handshakes took and what arrived, then shuts down.
 *
 *   npm start                     # 4 nodes
 *   npm start -- --nodes 8
 *
 * Until `@p2p/node` exists this example composes the layers by hand, which is exactly what
 * `@p2p/node` will do: map a P2PConfig onto each layer's own options.
 */
import { parseArgs } from 'node:util'
import { generateNodeKey, type P2PConfig, testP2PConfig } from '@p2p/config'
import { tcpTransport } from '@p2p/transport'
import type { ChannelDescriptor, NodeInfo, PeerConnection, Transport } from '@p2p/types'

const GREETING = 0x77
const BLOCKS = 0x40
const CHANNELS: ChannelDescriptor[] = [
  { id: GREETING, priority: 5, sendQueueCapacity: 16 },
  { id: BLOCKS, priority: 1, sendQueueCapacity: 4, recvMessageCapacity: 4 * 1024 * 1024 }
]
const BLOCK_SIZE = 1024 * 1024

interface DemoNode {
  name: string
  transport: Transport
  info: NodeInfo
  peers: Map<string, PeerConnection>
  greetings: string[]
  blockBytes: number
}

/** What @p2p/node will do in one place: P2PConfig → the transport's own options. */
function transportInit(cfg: P2PConfig) {
  return {
    listen: '127.0.0.1:0',
    allowDuplicateIp: cfg.allowDuplicateIp,
    mconnection: {
      sendRate: cfg.sendRate,
      recvRate: cfg.recvRate,
      flushThrottleMs: cfg.flushThrottleTimeoutMs,
      maxPacketMsgPayloadSize: cfg.maxPacketMsgPayloadSize
    }
  }
}

async function createDemoNode(index: number, cfg: P2PConfig): Promise<DemoNode> {
  const nodeKey = generateNodeKey()
  const name = `node${index}`
  let info: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: nodeKey.id,
    listenAddr: 'tcp://127.0.0.1:0',
    network: 'loopback-demo',
    version: '0.34.35',
    channels: Uint8Array.from(CHANNELS.map((c) => c.id)),
    moniker: name,
    other: { txIndex: 'off', rpcAddress: '' }
  }
  const transport = tcpTransport(transportInit(cfg))({ nodeKey, nodeInfo: () => info })
  await transport.start()
  const { ip, port } = transport.listenAddress()
  info = { ...info, listenAddr: `tcp://${ip}:${port}` }
  return { name, transport, info, peers: new Map(), greetings: [], blockBytes: 0 }
}

function attach(node: DemoNode, conn: PeerConnection): void {
  node.peers.set(conn.remoteInfo.id, conn)
  conn.start(CHANNELS, {
    onReceive(channelId, message) {
      if (channelId === GREETING) node.greetings.push(new TextDecoder().decode(message))
      else node.blockBytes += message.length
    },
    onClose(error) {
      node.peers.delete(conn.remoteInfo.id)
      if (error !== undefined && error.name !== 'ConnectionClosedError') console.error(`${node.name}: ${conn.remoteInfo.moniker} closed: ${error.message}`)
    }
  })
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { nodes: { type: 'string', default: '4' } } })
  const count = Number(values.nodes)
  if (!Number.isInteger(count) || count < 2 || count > 64) throw new RangeError('--nodes must be an integer from 2 to 64')
  // Go's TestP2PConfig: 10 ms flush throttle, duplicate IPs allowed (every node is 127.0.0.1).
  const cfg = testP2PConfig()
  const nodes = await Promise.all(Array.from({ length: count }, (_, i) => createDemoNode(i, cfg)))
  for (const n of nodes) console.log(`${n.name} ${n.info.id} listening on ${n.info.listenAddr}`)

  const acceptLoops = nodes.map(async (n) => {
    for await (const conn of n.transport.accept()) attach(n, conn)
  })

  const started = performance.now()
  const timings: number[] = []
  await Promise.all(
    nodes.flatMap((a, i) =>
      nodes.slice(i + 1).map(async (b) => {
        const t0 = performance.now()
        attach(a, await a.transport.dial(b.transport.listenAddress()))
        timings.push(performance.now() - t0)
      })
    )
  )
  while (nodes.some((n) => n.peers.size < count - 1)) await new Promise((r) => setTimeout(r, 5))
  const meshMs = performance.now() - started
  timings.sort((x, y) => x - y)
  console.log(`\nfull mesh of ${count} nodes (${timings.length} connections) in ${meshMs.toFixed(1)} ms; median handshake ${timings[timings.length >> 1]?.toFixed(2)} ms`)

  const block = new Uint8Array(BLOCK_SIZE).fill(7)
  await Promise.all(
    nodes.flatMap((n) =>
      [...n.peers.values()].map(async (conn) => {
        await conn.send(GREETING, new TextEncoder().encode(`hello ${conn.remoteInfo.moniker}, this is ${n.name}`))
        await conn.send(BLOCKS, block)
      })
    )
  )
  const expected = (count - 1) * BLOCK_SIZE
  const deadline = Date.now() + 30_000
  while (nodes.some((n) => n.blockBytes < expected || n.greetings.length < count - 1) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10))
  }

  console.log('\nnode   peers  greetings  block bytes')
  for (const n of nodes) console.log(`${n.name.padEnd(6)} ${String(n.peers.size).padStart(5)}  ${String(n.greetings.length).padStart(9)}  ${String(n.blockBytes).padStart(11)}`)
  console.log(`\n${nodes[0]?.name} heard: ${nodes[0]?.greetings.join(' | ')}`)
  const ok = nodes.every((n) => n.blockBytes === expected && n.greetings.length === count - 1)

  await Promise.all(nodes.map((n) => n.transport.stop()))
  await Promise.all(acceptLoops)
  console.log(ok ? '\nall messages delivered; network stopped cleanly' : '\nSOME MESSAGES WERE NOT DELIVERED')
  process.exitCode = ok ? 0 : 1
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
