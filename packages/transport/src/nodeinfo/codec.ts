import { type NodeID, type NodeInfo, ProtocolError } from '@p2p/types'
import { decodeString, ProtoWriter, readProtoFields } from '@p2p/types/wire'

/** Encodes `info` as `tendermint.p2p.DefaultNodeInfo`, byte for byte as Go does. */
export function encodeNodeInfo(info: NodeInfo): Uint8Array {
  const version = new ProtoWriter()
    .uint64(1, info.protocolVersion.p2p)
    .uint64(2, info.protocolVersion.block)
    .uint64(3, info.protocolVersion.app)
  const other = new ProtoWriter().string(1, info.other.txIndex).string(2, info.other.rpcAddress)
  return new ProtoWriter()
    .message(1, version)
    .string(2, info.id)
    .string(3, info.listenAddr)
    .string(4, info.network)
    .string(5, info.version)
    .bytes(6, info.channels)
    .string(7, info.moniker)
    .message(8, other)
    .finish()
}

/**
 * Decodes a `tendermint.p2p.DefaultNodeInfo`. Only the wire format is checked here (throws
 * {@link ProtocolError}); the content is checked by `validateNodeInfo` from `@p2p/types`.
 */
export function decodeNodeInfo(bytes: Uint8Array): NodeInfo {
  const version = { p2p: 0n, block: 0n, app: 0n }
  const other = { txIndex: '', rpcAddress: '' }
  let id = ''
  let listenAddr = ''
  let network = ''
  let softwareVersion = ''
  let channels: Uint8Array = new Uint8Array(0)
  let moniker = ''
  for (const f of readProtoFields(bytes)) {
    if (f.wire === 2) {
      switch (f.field) {
        case 1:
          // proto3 merges repeated embedded messages field by field
          for (const g of readProtoFields(f.bytes)) {
            if (g.wire !== 0) continue
            if (g.field === 1) version.p2p = g.value
            else if (g.field === 2) version.block = g.value
            else if (g.field === 3) version.app = g.value
          }
          break
        case 2: id = decodeString(f.bytes); break
        case 3: listenAddr = decodeString(f.bytes); break
        case 4: network = decodeString(f.bytes); break
        case 5: softwareVersion = decodeString(f.bytes); break
        case 6: channels = new Uint8Array(f.bytes); break
        case 7: moniker = decodeString(f.bytes); break
        case 8:
          for (const g of readProtoFields(f.bytes)) {
            if (g.wire !== 2) continue
            if (g.field === 1) other.txIndex = decodeString(g.bytes)
            else if (g.field === 2) other.rpcAddress = decodeString(g.bytes)
          }
          break
      }
    } else if (f.field >= 1 && f.field <= 8) {
      throw new ProtocolError(`proto: wrong wire type ${f.wire} for DefaultNodeInfo field ${f.field}`)
    }
  }
  return {
    protocolVersion: version,
    id: id as NodeID,
    listenAddr,
    network,
    version: softwareVersion,
    channels,
    moniker,
    other
  }
}
