import { ProtocolError } from '@p2p/types'
import { encodeUvarintInto, uvarintLength } from '@p2p/types/wire'
import {
  DEFAULT_MAX_PACKET_MSG_PAYLOAD_SIZE,
  PING_PACKET,
  PONG_PACKET,
  type Packet,
  TAG_CHANNEL,
  TAG_DATA,
  TAG_EOF,
  TAG_MSG
} from './packet.js'

/*
 * Encoding is byte-exact with gogo's marshaller: fields in ascending order, proto3 defaults
 * (channel 0, eof false, empty data) omitted, the oneof member always written.
 */

/** Size of the `PacketMsg` body: channel (if non-zero), eof (if set), data (if non-empty). */
function packetMsgBodySize(channelId: number, eof: boolean, dataLength: number): number {
  let size = 0
  if (channelId !== 0) size += 1 + uvarintLength(channelId)
  if (eof) size += 2
  if (dataLength > 0) size += 1 + uvarintLength(dataLength) + dataLength
  return size
}

/** Size of `Packet{packet_msg}` without its delimiter: what the receiver's size limit counts. */
export function packetMsgSize(channelId: number, eof: boolean, dataLength: number): number {
  const body = packetMsgBodySize(channelId, eof, dataLength)
  return 1 + uvarintLength(body) + body
}

/** Size of the delimited `Packet{packet_msg}`, length prefix included. */
export function delimitedPacketMsgSize(channelId: number, eof: boolean, dataLength: number): number {
  const size = packetMsgSize(channelId, eof, dataLength)
  return uvarintLength(size) + size
}

/**
 * Go's `maxPacketMsgSize`: the encoded size of a full packet on channel 0x01 with eof set (1034
 * for a 1024-byte payload). The receiver rejects any delimited Packet longer than this.
 */
export function maxPacketMsgSize(maxPayload: number = DEFAULT_MAX_PACKET_MSG_PAYLOAD_SIZE): number {
  return packetMsgSize(0x01, true, maxPayload)
}

/**
 * Largest payload a packet on `channelId` may carry so that the packet stays within the
 * receiver's limit. Go always uses `maxPayload`, which overflows the limit by one byte for
 * channels >= 0x80 (a Go receiver then drops the peer); we send one byte less there.
 */
export function channelPayloadSize(channelId: number, maxPayload: number): number {
  const limit = maxPacketMsgSize(maxPayload)
  let payload = maxPayload
  while (payload > 1 && packetMsgSize(channelId, true, payload) > limit) payload--
  return payload
}

/**
 * Writes the delimited `Packet{packet_msg{channelId, eof, data[start, end)}}` into `buf` at
 * `pos` and returns the position after it. `buf` must have room for
 * {@link delimitedPacketMsgSize} bytes; `channelId` is 0..255 (a descriptor ID).
 */
export function writePacketMsg(
  buf: Uint8Array,
  pos: number,
  channelId: number,
  eof: boolean,
  data: Uint8Array,
  start = 0,
  end = data.length
): number {
  const dataLength = end - start
  const body = packetMsgBodySize(channelId, eof, dataLength)
  pos += encodeUvarintInto(1 + uvarintLength(body) + body, buf, pos)
  buf[pos++] = TAG_MSG
  pos += encodeUvarintInto(body, buf, pos)
  if (channelId !== 0) {
    buf[pos++] = TAG_CHANNEL
    pos += encodeUvarintInto(channelId, buf, pos)
  }
  if (eof) {
    buf[pos++] = TAG_EOF
    buf[pos++] = 0x01
  }
  if (dataLength > 0) {
    buf[pos++] = TAG_DATA
    pos += encodeUvarintInto(dataLength, buf, pos)
    if (dataLength < 64) {
      // A byte loop beats TypedArray#set (a call into the runtime) for short payloads.
      for (let i = start; i < end; i++) buf[pos++] = data[i] as number
    } else {
      buf.set(start === 0 && end === data.length ? data : data.subarray(start, end), pos)
      pos += dataLength
    }
  }
  return pos
}

/** Encodes one delimited packet into a new buffer (tests, tools; the send path writes in place). */
export function encodePacket(packet: Packet): Uint8Array {
  switch (packet.type) {
    case 'ping':
      return PING_PACKET.slice()
    case 'pong':
      return PONG_PACKET.slice()
    case 'msg': {
      const { channelId, eof, data } = packet
      if (!Number.isInteger(channelId) || channelId < 0 || channelId > 0x7fffffff) {
        throw new ProtocolError(`channel ID ${channelId} is not a non-negative int32`)
      }
      // Pooled like protobufjs' writer; every byte is written below, so nothing stale leaks.
      const size = delimitedPacketMsgSize(channelId, eof, data.length)
      const out = Buffer.allocUnsafe(size)
      if (writePacketMsg(out, 0, channelId, eof, data) !== size) throw new ProtocolError('packet size mismatch')
      return out
    }
  }
}
