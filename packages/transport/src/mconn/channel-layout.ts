import type { ChannelDescriptor } from '@p2p/types'
import { uvarintLength } from '@p2p/types/wire'
import { type ResolvedChannelDescriptor, resolveChannelDescriptors } from './options.js'
import { maxPacketMsgSize, packetMsgSize } from './packet-codec.js'

/**
 * What an MConnection derives from its channel descriptors and payload size, and never changes:
 * shared by every connection that runs the same descriptors (a node's reactors), so a new
 * connection does not resolve descriptors or fill 256-entry tables again.
 */
export interface ChannelLayout {
  readonly descriptors: readonly ResolvedChannelDescriptor[]
  /** Index into `descriptors` by channel ID (0..255), -1 for an unknown channel. */
  readonly indexById: Int16Array
  /** Largest packet (without prefix) accepted on each channel, by index. */
  readonly maxRecvPacket: Int32Array
  /** Largest packet any channel accepts: the reader's bound. */
  readonly maxRecvPacketSize: number
  /** Largest delimited packet we write (full payloads on channels < 0x80, one byte less above). */
  readonly maxDelimitedSize: number
}

export function channelLayout(channels: readonly ChannelDescriptor[], payload: number): ChannelLayout {
  const descriptors = resolveChannelDescriptors(channels)
  const indexById = new Int16Array(256).fill(-1)
  descriptors.forEach((d, i) => {
    indexById[d.id] = i
  })
  // Go sends full payloads on every channel, so a packet on a channel whose ID takes two varint
  // bytes may be one byte longer (1035 for 1024): each channel has its own bound.
  const maxRecvPacket = Int32Array.from(descriptors, (d) => packetMsgSize(d.id, true, payload))
  const maxPacketSize = maxPacketMsgSize(payload)
  let maxRecvPacketSize = maxPacketSize
  for (const n of maxRecvPacket) if (n > maxRecvPacketSize) maxRecvPacketSize = n
  return { descriptors, indexById, maxRecvPacket, maxRecvPacketSize, maxDelimitedSize: uvarintLength(maxPacketSize) + maxPacketSize }
}

function sameDescriptors(a: readonly ChannelDescriptor[], b: readonly ChannelDescriptor[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ChannelDescriptor
    const y = b[i] as ChannelDescriptor
    if (
      x.id !== y.id ||
      x.priority !== y.priority ||
      x.sendQueueCapacity !== y.sendQueueCapacity ||
      x.recvBufferCapacity !== y.recvBufferCapacity ||
      x.recvMessageCapacity !== y.recvMessageCapacity
    ) {
      return false
    }
  }
  return true
}

/**
 * Remembers the last layout made, compared by the descriptors' values (the switch passes a new
 * array of the same descriptors for every peer). A different set replaces it.
 */
export class ChannelLayoutCache {
  private last: { channels: readonly ChannelDescriptor[]; layout: ChannelLayout } | undefined
  constructor(private readonly payload: number) {}

  get(channels: readonly ChannelDescriptor[]): ChannelLayout {
    const last = this.last
    if (last !== undefined && sameDescriptors(last.channels, channels)) return last.layout
    const layout = channelLayout(channels, this.payload)
    // A copy of the descriptors' values: the caller may change its objects later.
    this.last = { channels: channels.map((d) => ({ ...d })), layout }
    return layout
  }
}
