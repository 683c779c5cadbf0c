import { randomBytes } from 'node:crypto'
import type { NodeInfo, NodeKey } from '@p2p/types'
import { nodeKeyFromSeed } from '../../src/secret/ed25519.js'

export interface TestIdentity {
  nodeKey: NodeKey
  nodeInfo: NodeInfo
}

/** A fresh key and a Go-shaped NodeInfo for it. */
export function testIdentity(options: { network?: string; channels?: readonly number[]; listenAddr?: string } = {}): TestIdentity {
  const nodeKey = nodeKeyFromSeed(randomBytes(32))
  const nodeInfo: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: nodeKey.id,
    listenAddr: options.listenAddr ?? 'tcp://127.0.0.1:26656',
    network: options.network ?? 'test-chain',
    version: '0.34.35',
    channels: Uint8Array.from(options.channels ?? [0x20, 0x21]),
    moniker: `node-${nodeKey.id.slice(0, 6)}`,
    other: { txIndex: 'off', rpcAddress: '' }
  }
  return { nodeKey, nodeInfo }
}
