import { randomFillSync } from 'node:crypto'
import { keccakP } from '@noble/hashes/sha3.js'
import { describe, expect, it } from 'vitest'
import { keccakF1600 } from '../src/secret/keccak.js'

describe('Keccak-f[1600] (the Merlin transcript permutation)', () => {
  it('gives the state of the zero state that FIPS 202 / noble give', () => {
    const ours = new Uint32Array(50)
    const ref = new Uint32Array(50)
    keccakF1600(ours)
    keccakP(ref, 24)
    expect(ours).toEqual(ref)
    // The first lane of Keccak-f[1600] of the zero state (Keccak team's known answer).
    expect(ours[1]?.toString(16).padStart(8, '0') + (ours[0] as number).toString(16).padStart(8, '0')).toBe('f1258f7940e1dde7')
  })

  it('equals noble keccakP on 500 random states, applied twice', () => {
    for (let k = 0; k < 500; k++) {
      const ours = randomFillSync(new Uint32Array(50))
      const ref = ours.slice()
      keccakF1600(ours)
      keccakF1600(ours)
      keccakP(ref, 24)
      keccakP(ref, 24)
      expect(ours).toEqual(ref)
    }
  })
})
