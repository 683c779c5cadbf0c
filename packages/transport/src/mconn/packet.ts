/*
 * `tendermint.p2p.Packet` (conn.proto): the three packet kinds of an MConnection. The codec is
 * hand-written because the messages are tiny and fixed: it skips protobufjs' per-message objects
 * and is several times faster (bench/mconn-codec.ts).
 */

/** `Packet.packet_ping` (field 1) / `packet_pong` (2) / `packet_msg` (3), all wire type 2. */
export const TAG_PING = 0x0a
export const TAG_PONG = 0x12
export const TAG_MSG = 0x1a
/** `PacketMsg.channel_id` (1, varint), `eof` (2, varint), `data` (3, bytes). */
export const TAG_CHANNEL = 0x08
export const TAG_EOF = 0x10
export const TAG_DATA = 0x1a

/** Delimited `Packet{packet_ping{}}`: `02 0a 00`. */
export const PING_PACKET: Uint8Array = Uint8Array.of(0x02, TAG_PING, 0x00)
/** Delimited `Packet{packet_pong{}}`: `02 12 00`. */
export const PONG_PACKET: Uint8Array = Uint8Array.of(0x02, TAG_PONG, 0x00)

/** Go's `defaultMaxPacketMsgPayloadSize`. */
export const DEFAULT_MAX_PACKET_MSG_PAYLOAD_SIZE = 1024

export const PACKET_PING = 1
export const PACKET_PONG = 2
export const PACKET_MSG = 3
export type PacketKind = typeof PACKET_PING | typeof PACKET_PONG | typeof PACKET_MSG

/** A decoded packet, as a plain value. `data` is a view into the decoded buffer. */
export type Packet =
  | { readonly type: 'ping' }
  | { readonly type: 'pong' }
  | { readonly type: 'msg'; readonly channelId: number; readonly eof: boolean; readonly data: Uint8Array }

/**
 * Reusable decoding target for the hot path: {@link decodePacketInto} overwrites its fields
 * instead of allocating. The payload is `buf[dataStart, dataEnd)` of the decoded buffer.
 */
export class PacketView {
  kind: PacketKind = PACKET_PING
  /** `PacketMsg.channel_id` as Go reads it: a signed 32-bit integer, 0 when absent. */
  channelId = 0
  eof = false
  dataStart = 0
  dataEnd = 0
}
