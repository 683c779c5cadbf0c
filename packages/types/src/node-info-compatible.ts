import { NodeInfoError } from './connection-errors.js'
import type { NodeInfo } from './node-info.js'

/** Channels as Go prints `HexBytes` (`%X`, uppercase hex). */
function formatChannels(channels: Uint8Array): string {
  return Buffer.from(channels.buffer, channels.byteOffset, channels.byteLength).toString('hex').toUpperCase()
}

/**
 * Go `CompatibleWith`, called as `ours.compatibleWith(theirs)`: the block protocol versions and
 * the networks must be equal, and the peer must serve at least one of our channels (any peer
 * passes that check when we list no channels). The P2P and app versions are not compared.
 * Throws {@link NodeInfoError} with field `protocolVersion`, `network` or `channels` and Go's text.
 */
export function checkNodeInfoCompatible(ours: NodeInfo, theirs: NodeInfo): void {
  if (ours.protocolVersion.block !== theirs.protocolVersion.block) {
    throw new NodeInfoError(
      'protocolVersion',
      `peer is on a different Block version. Got ${theirs.protocolVersion.block}, expected ${ours.protocolVersion.block}`
    )
  }
  if (ours.network !== theirs.network) {
    throw new NodeInfoError('network', `peer is on a different network. Got ${theirs.network}, expected ${ours.network}`)
  }
  if (ours.channels.length === 0) return
  for (const ch of ours.channels) if (theirs.channels.includes(ch)) return
  throw new NodeInfoError(
    'channels',
    `peer has no common channels. Our channels: ${formatChannels(ours.channels)} ; Peer channels: ${formatChannels(theirs.channels)}`
  )
}
