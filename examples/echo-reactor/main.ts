/**
 * Two nodes on loopback TCP, each with a switch and the echo reactor: node A dials node B,
 * pings it and prints the answer and the round-trip time. Run from the repository root:
 *
 *   npx tsx examples/echo-reactor/main.ts
 */
import { pathToFileURL } from 'node:url'
import { generateNodeKey } from '@p2p/config'
import { p2pSwitch } from '@p2p/switch'
import { tcpTransport } from '@p2p/transport'
import type { NodeInfo, Switch, Transport } from '@p2p/types'
import { ECHO_CHANNEL, EchoReactor } from './echo-reactor.js'

interface EchoNode {
  sw: Switch
  transport: Transport
  echo: EchoReactor
}

async function startNode(host: string, moniker: string): Promise<EchoNode> {
  const nodeKey = generateNodeKey()
  const info: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: nodeKey.id,
    listenAddr: `tcp://${host}:0`,
    network: 'echo-example',
    version: '0.34.35',
    channels: Uint8Array.of(ECHO_CHANNEL),
    moniker,
    other: { txIndex: 'off', rpcAddress: '' }
  }
  const transport = tcpTransport({ listen: `${host}:0` })({ nodeKey, nodeInfo: () => info })
  await transport.start()
  const sw = p2pSwitch()({ transport, nodeInfo: () => info })
  const echo = new EchoReactor()
  sw.addReactor(echo)
  await sw.start()
  return { sw, transport, echo }
}

/** Runs the example; resolves with what it printed. */
export async function run(log: (line: string) => void = console.log): Promise<string[]> {
  const lines: string[] = []
  const say = (s: string): void => {
    lines.push(s)
    log(s)
  }
  const a = await startNode('127.0.0.1', 'alice')
  const b = await startNode('127.0.0.2', 'bob')
  try {
    const peer = await a.sw.dialPeer(b.transport.listenAddress())
    say(`alice connected to ${peer.nodeInfo.moniker} (${peer.id})`)
    const started = performance.now()
    const answer = await a.echo.ping(peer, new TextEncoder().encode('hello, bob'))
    say(`bob echoed "${new TextDecoder().decode(answer)}" in ${(performance.now() - started).toFixed(2)} ms`)
  } finally {
    for (const n of [a, b]) {
      await n.sw.stop()
      await n.transport.stop()
    }
  }
  say('both nodes stopped')
  return lines
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run()
}
