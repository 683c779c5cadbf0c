import { type NodeID, type NodeInfo, validateNodeInfo } from '@p2p/types'

/** Go v0.34's `version.P2PProtocol`. */
export const P2P_PROTOCOL = 8n
/** Go v0.34's `version.BlockProtocol`: peers with another block protocol are incompatible. */
export const BLOCK_PROTOCOL = 11n
/** The CometBFT version we speak for. */
export const DEFAULT_VERSION = '0.34.35'

export interface MakeNodeInfoOptions {
  id: NodeID
  network: string
  moniker: string
  rpcAddress: string
  /** `host:port` or `scheme://host:port`; advertised as `tcp://host:port`. */
  listenAddr: string
  channels: readonly number[]
  version?: string | undefined
  /** `other.tx_index`: we index nothing, so `off`. */
  txIndex?: 'on' | 'off' | ''
}

/** Our NodeInfo as Go's `makeNodeInfo` builds it, checked with Go's `Validate`. */
export function makeNodeInfo(o: MakeNodeInfoOptions): NodeInfo {
  const listenAddr = o.listenAddr.includes('://') ? o.listenAddr : `tcp://${o.listenAddr}`
  const info: NodeInfo = {
    protocolVersion: { p2p: P2P_PROTOCOL, block: BLOCK_PROTOCOL, app: 0n },
    id: o.id,
    listenAddr,
    network: o.network,
    version: o.version ?? DEFAULT_VERSION,
    channels: Uint8Array.from(o.channels),
    moniker: o.moniker,
    other: { txIndex: o.txIndex ?? 'off', rpcAddress: o.rpcAddress }
  }
  validateNodeInfo(info)
  return info
}
