import { type NodeID, type NodeInfo, validateNodeInfo } from '@p2p/types'

/** Go v0.34's `version.P2PProtocol`. */
export const P2P_PROTOCOL = 8n
/** Go v0.34's `version.BlockProtocol`: peers with another block protocol are incompatible. */
export const BLOCK_PROTOCOL = 11n
/** The CometBFT version we speak for. */
export const DEFAULT_VERSION = '0.34.35'

/** The fields of our NodeInfo that are not fixed by the protocol (see {@link makeNodeInfo}). */
export interface MakeNodeInfoOptions {
  /** Our node ID (from the node key). */
  id: NodeID
  /** The chain ID (genesis.json's `chain_id`): peers of another network are refused. */
  network: string
  /** A human-readable name. */
  moniker: string
  /** `other.rpc_address`, as Go's config `rpc.laddr` (we serve no RPC; may be empty). */
  rpcAddress: string
  /** `host:port` or `scheme://host:port`; advertised as `tcp://host:port`. */
  listenAddr: string
  /** The channel IDs of our reactors (0..255), announced to peers. */
  channels: readonly number[]
  /** The CometBFT version announced. Default {@link DEFAULT_VERSION}. */
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
