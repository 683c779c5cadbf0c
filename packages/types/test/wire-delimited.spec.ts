import { describe, expect, it } from 'vitest'
import { type ByteBuffer, encodeDelimited, peekDelimited } from '../src/wire/index.js'

describe('peekDelimited', () => {
  it('answers for an empty buffer without asking it for bytes', () => {
    // An empty Uint8ArrayList answers subarray() with a fresh empty Buffer that V8 must move off its heap.
    const empty: ByteBuffer = {
      byteLength: 0,
      subarray: () => {
        throw new Error('subarray of an empty buffer')
      }
    }
    expect(peekDelimited(empty, 100)).toEqual({ complete: false, total: 1 })
  })

  it('finds a message behind its length prefix, and says how much more an incomplete one needs', () => {
    const framed = encodeDelimited(new Uint8Array(200).fill(1))
    expect(peekDelimited(framed, 1000)).toEqual({ complete: true, offset: 2, length: 200, total: 202 })
    expect(peekDelimited(framed.subarray(0, 1), 1000)).toEqual({ complete: false, total: 2 })
    expect(peekDelimited(framed.subarray(0, 50), 1000)).toEqual({ complete: false, total: 202 })
  })
})
