// What a user of the switch does without @p2p/node: bring a key and a NodeInfo, run the TCP
// transport under a switch, and register a reactor of their own.
import assert from 'node:assert/strict'
import { generateKeyPairSync, sign } from 'node:crypto'
import { BaseReactor, p2pSwitch } from '@p2p/switch'
import { tcpTransport } from '@p2p/transport'
import { type ChannelDescriptor, type Envelope, type NodeInfo, type NodeKey, nodeIdFromPublicKey, type Peer } from '@p2p/types'

const ECHO = 0x7e

/** Answers "ping:<text>" with "pong:<text>"; hands each pong to whoever waits for that peer. */
class Echo extends BaseReactor {
  readonly name = 'echo'
  readonly #pongs = new Map<string, (text: string) => void>()
  channels(): ChannelDescriptor[] {
    return [{ id: ECHO, priority: 1 }]
  }
  receive({ src, message }: Envelope): void {
    const text = new TextDecoder().decode(message)
    if (text.startsWith('ping:')) src.trySend(ECHO, new TextEncoder().encode(`pong:${text.slice(5)}`))
    else if (text.startsWith('pong:')) this.#pongs.get(src.id)?.(text.slice(5))
  }
  ping(peer: Peer, text: string): Promise<string> {
    const answer = new Promise<string>((resolve) => this.#pongs.set(peer.id, resolve))
    peer.trySend(ECHO, new TextEncoder().encode(`ping:${text}`))
    return answer
  }
}

function newNodeKey(): NodeKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))
  return { id: nodeIdFromPublicKey(raw), publicKey: raw, sign: (m) => new Uint8Array(sign(null, m, privateKey)) }
}

async function startNode(host: string, moniker: string) {
  const nodeKey = newNodeKey()
  const info: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: nodeKey.id,
    listenAddr: `tcp://${host}:0`,
    network: 'pack-install',
    version: '0.34.35',
    channels: Uint8Array.of(ECHO),
    moniker,
    other: { txIndex: 'off', rpcAddress: '' }
  }
  const transport = tcpTransport({ listen: `${host}:0` })({ nodeKey, nodeInfo: () => info })
  await transport.start()
  const sw = p2pSwitch()({ transport, nodeInfo: () => info })
  const echo = new Echo()
  sw.addReactor(echo)
  await sw.start()
  return { sw, transport, echo }
}

const a = await startNode('127.0.0.1', 'alice')
const b = await startNode('127.0.0.2', 'bob')
try {
  const peer = await a.sw.dialPeer(b.transport.listenAddress(), { signal: AbortSignal.timeout(10_000) })
  assert.equal(peer.nodeInfo.moniker, 'bob')
  const answer = await a.echo.ping(peer, 'hello, bob')
  assert.equal(answer, 'hello, bob')
  console.log(`alice dialled bob (${peer.id.slice(0, 8)}) through the switch; the echo reactor answered "${answer}"`)
} finally {
  for (const n of [a, b]) {
    await n.sw.stop()
    await n.transport.stop()
  }
}
