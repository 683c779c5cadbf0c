import type { FrameAead } from './aead.js'
import { DATA_LEN_SIZE, DATA_MAX_SIZE, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from './constants.js'
import { Nonce } from './nonce.js'

/** Bytes on the wire for `dataLength` bytes of data: one sealed frame per 1024-byte chunk. */
export function sealedLength(dataLength: number): number {
  return Math.ceil(dataLength / DATA_MAX_SIZE) * SEALED_FRAME_SIZE
}

/**
 * Cuts data into frames (4-byte LE length, up to 1024 data bytes, zero padding to 1028) and
 * seals each under the next send nonce. Go pads with whatever its pooled buffer held; we zero
 * it, which receivers ignore and which makes our output reproducible.
 */
// One frame buffer for every writer (sealing is synchronous), zeroed after each seal so no
// plaintext lingers between calls.
const frame = new Uint8Array(TOTAL_FRAME_SIZE)
const frameView = new DataView(frame.buffer)

export class FrameWriter {

  constructor(
    private readonly aead: FrameAead,
    readonly nonce: Nonce = new Nonce()
  ) {}

  /**
   * Seals all of `data` into one buffer of {@link sealedLength} bytes (empty for empty data:
   * an empty write puts nothing on the wire). Throws `ProtocolError` when the nonce would
   * overflow; frames sealed before that are lost with the connection.
   */
  seal(data: Uint8Array): Uint8Array {
    // Every byte is overwritten by the frames, so skip zero-filling.
    const out: Uint8Array = Buffer.allocUnsafe(sealedLength(data.length))
    let pos = 0
    for (let off = 0; off < data.length; off += DATA_MAX_SIZE) {
      // One frame's worth is taken as it is: a view of a small array (a packet of a few bytes
      // lives on V8's heap) would make V8 move its bytes off the heap first.
      const chunk = data.length <= DATA_MAX_SIZE ? data : data.subarray(off, Math.min(off + DATA_MAX_SIZE, data.length))
      this.sealFrame(chunk, out, pos)
      pos += SEALED_FRAME_SIZE
    }
    if (data.length > 0) frame.fill(0, 0, DATA_LEN_SIZE + Math.min(data.length, DATA_MAX_SIZE))
    return out
  }

  private sealFrame(chunk: Uint8Array, dst: Uint8Array, offset: number): void {
    this.nonce.assertUsable()
    frameView.setUint32(0, chunk.length, true)
    frame.set(chunk, DATA_LEN_SIZE)
    if (chunk.length < DATA_MAX_SIZE) frame.fill(0, DATA_LEN_SIZE + chunk.length)
    this.aead.seal(this.nonce.bytes, frame, dst, offset)
    this.nonce.increment()
  }
}
