import { ProtocolError } from '@p2p/types'
import { Uint8ArrayList } from 'uint8arraylist'
import type { FrameAead } from './aead.js'
import { DATA_LEN_SIZE, DATA_MAX_SIZE, SEALED_FRAME_SIZE, TOTAL_FRAME_SIZE } from './constants.js'
import { Nonce } from './nonce.js'
import { pooledBytes } from './off-heap.js'

/**
 * Reassembles 1044-byte sealed frames from arbitrary chunks and opens them under the next
 * receive nonce. Any bad frame is fatal: the caller must close the connection on a throw.
 */
// One frame buffer for every reader: a frame is opened, copied out and the buffer zeroed within
// one synchronous call, so connections need not each allocate (and the GC track) their own.
const frame = new Uint8Array(TOTAL_FRAME_SIZE)
const frameView = new DataView(frame.buffer)

export class FrameReader {

  constructor(
    private readonly aead: FrameAead,
    readonly nonce: Nonce = new Nonce(),
    /** Where raw bytes accumulate; shared with the stream driver so the hand-over loses nothing. */
    private readonly buffer: Uint8ArrayList = new Uint8ArrayList()
  ) {}

  push(chunk: Uint8Array): void {
    if (chunk.length > 0) this.buffer.append(chunk)
  }

  /** Raw bytes waiting, including a partial frame. */
  get bufferedBytes(): number {
    return this.buffer.byteLength
  }

  /** Complete sealed frames waiting to be opened. */
  get completeFrames(): number {
    return Math.floor(this.buffer.byteLength / SEALED_FRAME_SIZE)
  }

  /**
   * Opens up to `maxFrames` complete frames and returns their data joined, or undefined when
   * no frame is complete. Frames with a zero length field contribute nothing, so the result
   * can be empty. Throws {@link ProtocolError} on a bad tag, a length field over 1024 or an
   * exhausted nonce.
   */
  readFrames(maxFrames = Number.POSITIVE_INFINITY): Uint8Array | undefined {
    const frames = Math.min(this.completeFrames, maxFrames)
    if (frames <= 0) return undefined
    const out = new Uint8Array(frames * DATA_MAX_SIZE)
    return this.openInto(frames, out)
  }

  /**
   * One frame's data in bytes from Node's shared buffer pool instead of an ArrayBuffer of its
   * own (an allocation of ≈ 1 µs): for the set-up messages, which are decoded and dropped at
   * once. Undefined when no frame is complete.
   */
  readFramePooled(): Uint8Array | undefined {
    if (this.completeFrames <= 0) return undefined
    return this.openInto(1, pooledBytes(DATA_MAX_SIZE))
  }

  private openInto(frames: number, out: Uint8Array): Uint8Array {
    let pos = 0
    try {
      for (let i = 0; i < frames; i++) {
        const sealed = this.buffer.subarray(0, SEALED_FRAME_SIZE)
        this.buffer.consume(SEALED_FRAME_SIZE)
        const n = this.openFrame(sealed)
        out.set(frame.subarray(DATA_LEN_SIZE, DATA_LEN_SIZE + n), pos)
        pos += n
      }
    } finally {
      // Also when a frame is refused (e.g. an authenticated length over 1024): the buffer is
      // shared by every connection, so no plaintext may outlive this call.
      frame.fill(0)
    }
    return pos === out.length ? out : out.subarray(0, pos)
  }

  private openFrame(sealed: Uint8Array): number {
    this.nonce.assertUsable()
    if (!this.aead.open(this.nonce.bytes, sealed, frame, 0)) {
      throw new ProtocolError('failed to decrypt SecretConnection: chacha20poly1305: message authentication failed')
    }
    this.nonce.increment()
    const length = frameView.getUint32(0, true)
    if (length > DATA_MAX_SIZE) throw new ProtocolError('chunkLength is greater than dataMaxSize')
    return length
  }
}
