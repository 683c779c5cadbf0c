import { swap32IfBE } from '@noble/hashes/utils.js'
import { keccakF1600 } from './keccak.js'

// STROBE-128 as used by Merlin (gtank/merlin over mimoo/StrobeGo, equal to Rust merlin):
// only the operations Merlin needs (meta-AD, AD, PRF), never the transport or key ops.
const STROBE_R = 166 // duplex rate 168 minus the two bytes of padding/begin markers
const FLAG_I = 0x01
const FLAG_A = 0x02
const FLAG_C = 0x04
const FLAG_M = 0x10
const FLAG_K = 0x20

const encoder = new TextEncoder()
const labelCache = new Map<string, Uint8Array>()

/** Bytes of ASCII text; labels here are constants, so this never sees user input. */
export function ascii(s: string): Uint8Array {
  return encoder.encode(s)
}

/** Labels are a handful of constants: encode each once. */
function label(s: string | Uint8Array): Uint8Array {
  if (typeof s !== 'string') return s
  let bytes = labelCache.get(s)
  if (bytes === undefined) {
    bytes = ascii(s)
    if (labelCache.size < 64) labelCache.set(s, bytes)
  }
  return bytes
}

class Strobe128 {
  private readonly state32 = new Uint32Array(50)
  private readonly state = new Uint8Array(this.state32.buffer)
  private pos = 0
  private posBegin = 0

  constructor(protocolLabel: Uint8Array | Strobe128) {
    if (protocolLabel instanceof Strobe128) {
      this.copyFrom(protocolLabel)
      return
    }
    const init = [1, STROBE_R + 2, 1, 0, 1, 96]
    this.state.set(init, 0)
    this.state.set(label('STROBEv1.0.2'), init.length)
    this.permute()
    this.metaAd(protocolLabel, false)
  }

  metaAd(data: Uint8Array, more: boolean): void {
    if (!more) this.beginOp(FLAG_M | FLAG_A)
    this.absorb(data)
  }

  /** Meta-AD continuing the current operation with `n` as 4 little-endian bytes. */
  metaAdLe32(n: number): void {
    this.absorbByte(n & 0xff)
    this.absorbByte((n >>> 8) & 0xff)
    this.absorbByte((n >>> 16) & 0xff)
    this.absorbByte((n >>> 24) & 0xff)
  }

  ad(data: Uint8Array, more: boolean): void {
    if (!more) this.beginOp(FLAG_A)
    this.absorb(data)
  }

  prf(out: Uint8Array): void {
    this.beginOp(FLAG_I | FLAG_A | FLAG_C)
    const st = this.state
    for (let i = 0; i < out.length; i++) {
      out[i] = st[this.pos] as number
      st[this.pos] = 0
      this.pos++
      if (this.pos === STROBE_R) this.runF()
    }
  }

  /** Overwrites the sponge state so a finished transcript keeps no secret material. */
  wipe(): void {
    this.state.fill(0)
    this.pos = 0
    this.posBegin = 0
  }

  copyFrom(other: Strobe128): void {
    this.state32.set(other.state32)
    this.pos = other.pos
    this.posBegin = other.posBegin
  }

  private beginOp(flags: number): void {
    const old = this.posBegin
    this.posBegin = this.pos + 1
    this.absorbByte(old)
    this.absorbByte(flags)
    if ((flags & (FLAG_C | FLAG_K)) !== 0 && this.pos !== 0) this.runF()
  }

  private absorb(data: Uint8Array): void {
    const st = this.state
    let pos = this.pos
    for (let i = 0; i < data.length; i++) {
      st[pos] = (st[pos] as number) ^ (data[i] as number)
      if (++pos === STROBE_R) {
        this.pos = pos
        this.runF()
        pos = 0
      }
    }
    this.pos = pos
  }

  private absorbByte(b: number): void {
    const st = this.state
    st[this.pos] = (st[this.pos] as number) ^ b
    this.pos++
    if (this.pos === STROBE_R) this.runF()
  }

  private runF(): void {
    const st = this.state
    st[this.pos] = (st[this.pos] as number) ^ this.posBegin
    st[this.pos + 1] = (st[this.pos + 1] as number) ^ 0x04
    st[STROBE_R + 1] = (st[STROBE_R + 1] as number) ^ 0x80
    this.permute()
    this.pos = 0
    this.posBegin = 0
  }

  private permute(): void {
    // Lanes are little-endian; the permutation works on native-endian 32-bit words. Ours is
    // unrolled with the state in locals: ≈ 3× faster than noble's keccakP, same result (tested).
    swap32IfBE(this.state32)
    keccakF1600(this.state32)
    swap32IfBE(this.state32)
  }
}

/**
 * A Merlin transcript (merlin v1.0): a STROBE-128 sponge that absorbs labelled messages and
 * yields challenges bound to everything absorbed before.
 */
export class MerlinTranscript {
  private readonly strobe: Strobe128

  constructor(appLabel: string | Uint8Array | MerlinTranscript) {
    if (appLabel instanceof MerlinTranscript) {
      this.strobe = new Strobe128(appLabel.strobe)
      return
    }
    this.strobe = new Strobe128(label('Merlin v1.0'))
    this.appendMessage('dom-sep', appLabel)
  }

  /**
   * An independent copy in the same state. Every handshake starts from the same labelled
   * transcript, so a copy of it skips the set-up (a Keccak permutation and the label absorbs).
   */
  clone(): MerlinTranscript {
    return new MerlinTranscript(this)
  }

  /** Puts this transcript in `other`'s state, reusing its memory (a 200-byte state each). */
  copyFrom(other: MerlinTranscript): void {
    this.strobe.copyFrom(other.strobe)
  }

  /** Absorbs `message` under `label`: one meta-AD over label || LE32(len), then AD(message). */
  appendMessage(name: string | Uint8Array, message: string | Uint8Array): void {
    const msg = typeof message === 'string' ? ascii(message) : message
    this.strobe.metaAd(label(name), false)
    this.strobe.metaAdLe32(msg.length)
    this.strobe.ad(msg, false)
  }

  /** Squeezes `length` challenge bytes under `label`. */
  extractBytes(name: string | Uint8Array, length: number): Uint8Array {
    const out = new Uint8Array(length)
    this.strobe.metaAd(label(name), false)
    this.strobe.metaAdLe32(length)
    this.strobe.prf(out)
    return out
  }

  /** Zeroes the internal state; the transcript must not be used afterwards. */
  wipe(): void {
    this.strobe.wipe()
  }
}
