import { MessageTooLargeError, ProtocolError } from '@p2p/types'
import { decodePacketInto, type PacketView } from './packet-codec.js'

const EMPTY = new Uint8Array(0)

/**
 * Cuts a byte stream into uvarint-delimited Packets (Go's `protoio` delimited reader with
 * `maxPacketMsgSize`). Chunk boundaries carry no meaning. A packet lying inside one chunk is
 * decoded in place (its payload is a view into that chunk); only a packet split across chunks is
 * copied, into one scratch buffer of the largest allowed size. The length prefix is checked
 * before any body byte is buffered, so a hostile prefix costs nothing.
 */
export class PacketReader {
  /** The buffer the last decoded packet's payload lives in (a chunk, or the scratch buffer). */
  buffer: Uint8Array = EMPTY
  /** True when `buffer` is the scratch buffer, which the next packet overwrites. */
  fromScratch = false
  /** Length of the last decoded packet without its length prefix. */
  packetLength = 0

  private readonly maxSize: number
  /** Allocated by the first packet split across chunks (many connections never see one). */
  private scratch: Uint8Array = EMPTY
  private chunk: Uint8Array = EMPTY
  private pos = 0
  private readonly queued: Uint8Array[] = []
  private queueHead = 0
  /** A packet split across chunks is being assembled in `scratch`. */
  private partial = false
  /** Length prefix being read: value so far, weight of the next 7 bits, bytes read. */
  private prefixValue = 0
  private prefixScale = 1
  private prefixBytes = 0
  /** Body length of the partial packet, or -1 while its prefix is incomplete. */
  private bodyLength = -1
  private bodyFilled = 0

  constructor(maxPacketSize: number) {
    this.maxSize = maxPacketSize
  }

  /** Adds received bytes; the reader keeps a reference to `chunk` (it must not be reused). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    if (this.pos >= this.chunk.length) {
      this.chunk = chunk
      this.pos = 0
    } else {
      this.queued.push(chunk)
    }
  }

  /** Drops everything buffered. */
  clear(): void {
    this.chunk = EMPTY
    this.pos = 0
    this.queued.length = 0
    this.queueHead = 0
    this.partial = false
    this.buffer = EMPTY
  }

  private advance(): boolean {
    if (this.queueHead >= this.queued.length) {
      this.chunk = EMPTY
      this.pos = 0
      if (this.queued.length > 0) {
        this.queued.length = 0
        this.queueHead = 0
      }
      return false
    }
    this.chunk = this.queued[this.queueHead] as Uint8Array
    this.queued[this.queueHead++] = EMPTY
    this.pos = 0
    return true
  }

  /**
   * Reads the length prefix from `chunk[pos..]`, continuing a prefix begun in an earlier chunk.
   * Returns the position after it, or -1 if the chunk ended first (progress is kept). Throws
   * `MessageTooLargeError` as soon as the length exceeds the limit and `ProtocolError` for a
   * varint Go's `binary.ReadUvarint` rejects as overflowing.
   */
  private readPrefix(chunk: Uint8Array, pos: number): number {
    let value = this.prefixValue
    let scale = this.prefixScale
    let n = this.prefixBytes
    while (pos < chunk.length) {
      const b = chunk[pos++] as number
      if (n === 9 && b > 1) throw new ProtocolError('binary: varint overflows a 64-bit integer')
      value += (b & 0x7f) * scale
      n++
      if (value > this.maxSize) throw new MessageTooLargeError(value, this.maxSize)
      if (b < 0x80) {
        this.prefixValue = 0
        this.prefixScale = 1
        this.prefixBytes = n
        this.bodyLength = value
        return pos
      }
      scale *= 128
    }
    this.prefixValue = value
    this.prefixScale = scale
    this.prefixBytes = n
    return -1
  }

  /**
   * Decodes the next complete packet into `view` and returns its size on the wire (prefix
   * included), or 0 when more bytes are needed. Throws `ProtocolError` / `MessageTooLargeError`.
   */
  next(view: PacketView): number {
    for (;;) {
      const chunk = this.chunk
      const pos = this.pos
      if (pos >= chunk.length) {
        if (!this.advance()) return 0
        continue
      }
      if (!this.partial) {
        // Fast path: a one-byte prefix and a body inside this chunk.
        const b = chunk[pos] as number
        if (b < 0x80 && pos + 1 + b <= chunk.length) {
          decodePacketInto(view, chunk, pos + 1, pos + 1 + b)
          this.packetLength = b
          this.pos = pos + 1 + b
          this.buffer = chunk
          this.fromScratch = false
          return 1 + b
        }
        this.prefixBytes = 0
        this.bodyLength = -1
        const bodyStart = this.readPrefix(chunk, pos)
        if (bodyStart >= 0 && bodyStart + this.bodyLength <= chunk.length) {
          const end = bodyStart + this.bodyLength
          decodePacketInto(view, chunk, bodyStart, end)
          this.packetLength = this.bodyLength
          this.pos = end
          this.buffer = chunk
          this.fromScratch = false
          return end - pos
        }
        // The packet continues in later chunks: keep what we have of its body.
        if (this.scratch.length === 0) this.scratch = new Uint8Array(this.maxSize)
        this.partial = true
        this.bodyFilled = 0
        if (bodyStart >= 0) {
          this.scratch.set(chunk.subarray(bodyStart), 0)
          this.bodyFilled = chunk.length - bodyStart
        }
        this.pos = chunk.length
        continue
      }
      if (this.bodyLength < 0) {
        const bodyStart = this.readPrefix(chunk, pos)
        this.pos = bodyStart < 0 ? chunk.length : bodyStart
        if (bodyStart < 0) continue
      }
      const take = Math.min(this.bodyLength - this.bodyFilled, chunk.length - this.pos)
      if (take > 0) {
        this.scratch.set(chunk.subarray(this.pos, this.pos + take), this.bodyFilled)
        this.bodyFilled += take
        this.pos += take
      }
      if (this.bodyFilled === this.bodyLength) {
        this.partial = false
        decodePacketInto(view, this.scratch, 0, this.bodyLength)
        this.packetLength = this.bodyLength
        this.buffer = this.scratch
        this.fromScratch = true
        return this.prefixBytes + this.bodyLength
      }
    }
  }
}
