/**
 * Wire helpers shared by the layers that speak Go's protobuf framing (`@p2p/transport`,
 * `@p2p/pex`, …): unsigned varints, uvarint-delimited framing (Go's `protoio`), and a small
 * protobuf cursor ({@link ProtoReader}), field reader and writer with gogoproto's decoding rules. Import as `@p2p/types/wire`.
 *
 * @packageDocumentation
 */
export { type ByteBuffer, type DelimitedPeek, encodeDelimited, peekDelimited } from './delimited.js'
export { decodeString, type ProtoField, ProtoWriter, readProtoFields } from './proto.js'
export {
  asciiLength,
  ProtoReader,
  utf8Bytes,
  WIRE_END_GROUP,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_START_GROUP,
  WIRE_VARINT
} from './proto-reader.js'
export { type DecodedUvarint, decodeUvarint, encodeUvarint, encodeUvarintInto, MAX_UVARINT_LENGTH, uvarintLength } from './varint.js'
