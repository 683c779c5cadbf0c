import { encodeUvarintInto, ProtoReader, uvarintLength } from '@p2p/types/wire'

/*
 * The PEX codec reads and writes through the shared protobuf cursor of `@p2p/types/wire` (this
 * package's own fast cursor moved there). Kept as a module so the codec's imports stay as they
 * were: PEX errors carry Go's "unmarshal: " prefix, as `PexMessage.Unmarshal` failures do.
 */

export { asciiLength, utf8Bytes, WIRE_END_GROUP, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_START_GROUP, WIRE_VARINT } from '@p2p/types/wire'

/** The shared cursor with Go's "unmarshal: " before every error message. */
export class PexProtoReader extends ProtoReader {
  constructor(buf: Uint8Array, start: number, end: number) {
    super(buf, start, end, 'unmarshal: ')
  }
}
export { PexProtoReader as ProtoReader }

/** Bytes of `value` as an unsigned varint. */
export const varintLength: (value: number) => number = uvarintLength

/** Writes `value` (a non-negative safe integer) as a varint at `pos`; returns the new position. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  return pos + encodeUvarintInto(value, buf, pos)
}
