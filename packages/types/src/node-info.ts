import type { NodeID } from './node-id.js'

/** Versions of the protocols a node speaks; uint64 on the wire. */
export interface ProtocolVersion {
  readonly p2p: bigint
  readonly block: bigint
  readonly app: bigint
}

/** What a node tells a peer about itself in the handshake (`tendermint.p2p.DefaultNodeInfo`). */
export interface NodeInfo {
  readonly protocolVersion: ProtocolVersion
  readonly id: NodeID
  /** Address the node accepts connections on, as the node wrote it (may carry `tcp://`). */
  readonly listenAddr: string
  /** The chain ID. */
  readonly network: string
  /** Software version, e.g. `0.34.35`. */
  readonly version: string
  /** One byte per channel ID the node serves. */
  readonly channels: Uint8Array
  readonly moniker: string
  readonly other: {
    /** `on`, `off` or empty. */
    readonly txIndex: string
    readonly rpcAddress: string
  }
}
