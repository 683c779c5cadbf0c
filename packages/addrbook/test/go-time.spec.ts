import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatGoTime, GO_ZERO_TIME_MS, parseGoTime, parseGoTimeBytes } from '../src/go-time.js'

const MIN = GO_ZERO_TIME_MS
const MAX = 253402300799999

describe('Go time text', () => {
  it('parseGoTimeBytes gives what parseGoTime gives, on times and near-times (fast-check)', () => {
    const near = fc
      .tuple(
        fc.integer({ min: GO_ZERO_TIME_MS, max: 253402300799999 }).map(formatGoTime),
        fc.array(fc.tuple(fc.nat(40), fc.constantFrom('', '0', '9', '.', '-', '+', ':', 'Z', 'z', 't', '123456789', '+05:30', 'x'), fc.nat(3)), { maxLength: 3 })
      )
      .map(([t, muts]) => muts.reduce((s, [at, ins, del]) => s.slice(0, at) + ins + s.slice(at + del), t))
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 40 })), (text) => {
        fc.pre(/^[\x20-\x7e]*$/.test(text))
        // framed by other bytes, as inside a file
        const bytes = Buffer.from(`"${text}"`, 'latin1')
        expect(parseGoTimeBytes(bytes, 1, bytes.length - 1)).toBe(parseGoTime(text))
      }),
      { numRuns: 3000 }
    )
  })

  it('formats like Go: UTC, fraction trimmed of zeros, zero time as 0001-01-01T00:00:00Z', () => {
    expect(formatGoTime(GO_ZERO_TIME_MS)).toBe('0001-01-01T00:00:00Z')
    expect(formatGoTime(Number.NaN)).toBe('0001-01-01T00:00:00Z')
    expect(formatGoTime(Date.UTC(2026, 10, 24, 14, 11, 10, 125))).toBe('2026-11-24T14:11:10.125Z')
    expect(formatGoTime(Date.UTC(2026, 10, 24, 14, 11, 10, 120))).toBe('2026-11-24T14:11:10.12Z')
    expect(formatGoTime(Date.UTC(2026, 10, 24, 14, 11, 10, 5))).toBe('2026-11-24T14:11:10.005Z')
    expect(formatGoTime(Date.UTC(2000, 1, 29))).toBe('2000-02-29T00:00:00Z')
    expect(formatGoTime(Number.POSITIVE_INFINITY)).toBe('9999-12-31T23:59:59.999Z')
  })

  it('agrees with Date for every millisecond between year 1 and 9999 (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN, max: MAX }), (ms) => {
        const iso = new Date(ms).toISOString()
        const expected = iso.replace(/\.?0*Z$/, 'Z').replace(/\.(\d*?)0*Z$/, '.$1Z')
        expect(formatGoTime(ms)).toBe(expected)
        expect(parseGoTime(formatGoTime(ms))).toBe(ms)
        expect(parseGoTime(iso)).toBe(ms)
      }),
      { numRuns: 2000 }
    )
  })

  it('parses nanoseconds (truncated to ms), offsets and lowercase letters', () => {
    expect(parseGoTime('2026-11-24T14:11:10.125782654Z')).toBe(Date.UTC(2026, 10, 24, 14, 11, 10, 125))
    expect(parseGoTime('2026-11-24T15:11:10.1+01:00')).toBe(Date.UTC(2026, 10, 24, 14, 11, 10, 100))
    expect(parseGoTime('2026-11-24t13:41:10-00:30')).toBe(Date.UTC(2026, 10, 24, 14, 11, 10))
    expect(parseGoTime('0001-01-01T00:00:00Z')).toBe(GO_ZERO_TIME_MS)
  })

  it.each([
    '', 'yesterday', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-01-01T24:00:00Z',
    '2026-01-01T00:60:00Z', '2026-01-01T00:00:60Z', '2026-01-01T00:00:00', '2026-01-01T00:00:00.Z', '2026-01-01T00:00:00.1234567890Z',
    '2026-01-01T00:00:00+0100', '2026-01-01T00:00:00+24:00', '2026-01-01 00:00:00Z', '+2026-01-01T00:00:00Z', '2026-01-01T00:00:00Zjunk'
  ])('refuses %j', (text) => {
    expect(parseGoTime(text)).toBeUndefined()
  })
})
