import { readFileSync } from 'node:fs'
import { ConfigError } from '@p2p/types'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatGoDuration,
  formatGoDurationNs,
  MAX_GO_DURATION_NS,
  MIN_GO_DURATION_NS,
  parseGoDuration,
  parseGoDurationNs
} from '../src/index.js'

interface GoTable {
  valid: Array<{ in: string; ns: string }>
  invalid: Array<{ in: string; message: string }>
}
const table = JSON.parse(
  readFileSync(new URL('./fixtures/go-parse-duration.json', import.meta.url), 'utf8')
) as GoTable

describe('parseGoDuration: Go time.ParseDuration table', () => {
  it.each(table.valid.map((row) => [row.in, row.ns] as const))('%j = %s ns', (input, ns) => {
    expect(parseGoDurationNs(input)).toBe(BigInt(ns))
    expect(parseGoDuration(input)).toBe(Number(BigInt(ns)) / 1e6)
  })

  it.each(table.invalid.map((row) => [row.in, row.message] as const))('%j fails: %s', (input, message) => {
    let err: unknown
    try {
      parseGoDurationNs(input, 'p2p.dial_timeout')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).key).toBe('p2p.dial_timeout')
    expect((err as ConfigError).message).toBe(message)
  })

  it('converts to milliseconds', () => {
    expect(parseGoDuration('100ms')).toBe(100)
    expect(parseGoDuration('10s')).toBe(10_000)
    expect(parseGoDuration('1m30s')).toBe(90_000)
    expect(parseGoDuration('0s')).toBe(0)
    expect(parseGoDuration('1.5h')).toBe(5_400_000)
    expect(parseGoDuration('300us')).toBe(0.3)
    expect(parseGoDuration('300µs')).toBe(0.3)
    expect(parseGoDuration('7ns')).toBe(0.000007)
    expect(parseGoDuration('-2s')).toBe(-2000)
  })

  it('refuses a non-string with a ConfigError', () => {
    expect(() => parseGoDurationNs(5 as unknown as string)).toThrow(ConfigError)
  })
})

describe('formatGoDuration: Go Duration.String', () => {
  // Go's durationTests (src/time/time_test.go), and their negatives.
  const GO_STRINGS: Array<[string, bigint]> = [
    ['0s', 0n],
    ['1ns', 1n],
    ['1.1µs', 1100n],
    ['2.2ms', 2_200_000n],
    ['3.3s', 3_300_000_000n],
    ['4m5s', 245_000_000_000n],
    ['4m5.001s', 245_001_000_000n],
    ['5h6m7.001s', 18_367_001_000_000n],
    ['8m0.000000001s', 480_000_000_001n],
    ['2562047h47m16.854775807s', MAX_GO_DURATION_NS]
  ]
  it.each(GO_STRINGS)('%s', (text, ns) => {
    expect(formatGoDurationNs(ns)).toBe(text)
    if (ns > 0n) expect(formatGoDurationNs(-ns)).toBe(`-${text}`)
  })

  it('formats the smallest duration and milliseconds', () => {
    expect(formatGoDurationNs(MIN_GO_DURATION_NS)).toBe('-2562047h47m16.854775808s')
    expect(formatGoDuration(100)).toBe('100ms')
    expect(formatGoDuration(90_000)).toBe('1m30s')
    expect(formatGoDuration(604_800_000)).toBe('168h0m0s')
    expect(() => formatGoDuration(Number.NaN)).toThrow(ConfigError)
    expect(() => formatGoDurationNs(MAX_GO_DURATION_NS + 1n)).toThrow(ConfigError)
  })
})

describe('fuzz', () => {
  it('arbitrary strings: a bigint within int64 or a ConfigError, nothing else', () => {
    const alphabet = fc.constantFrom(...'0123456789.+-nsuµμmh sd'.split(''))
    const inputs = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: alphabet, maxLength: 40 }))
    fc.assert(
      fc.property(inputs, (s) => {
        try {
          const ns = parseGoDurationNs(s)
          return ns >= MIN_GO_DURATION_NS && ns <= MAX_GO_DURATION_NS
        } catch (err) {
          return err instanceof ConfigError && err.message.startsWith('time: ')
        }
      }),
      { numRuns: 1000 }
    )
  })

  it('format then parse gives back every int64 duration', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MIN_GO_DURATION_NS, max: MAX_GO_DURATION_NS }), (ns) => {
        return parseGoDurationNs(formatGoDurationNs(ns)) === ns
      }),
      { numRuns: 1000 }
    )
  })

  it('integer components sum exactly (independent model), or overflow is reported', () => {
    const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1000n, µs: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n }
    const component = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 13n }), fc.constantFrom(...Object.keys(UNIT_NS)))
    fc.assert(
      fc.property(fc.constantFrom('', '+', '-'), fc.array(component, { minLength: 1, maxLength: 5 }), (sign, parts) => {
        const text = sign + parts.map(([n, u]) => `${n}${u}`).join('')
        const sum = parts.reduce((acc, [n, u]) => acc + n * (UNIT_NS[u] as bigint), 0n)
        const expected = sign === '-' ? -sum : sum
        const inRange = expected >= MIN_GO_DURATION_NS && expected <= MAX_GO_DURATION_NS
        try {
          const ns = parseGoDurationNs(text)
          return inRange && ns === expected
        } catch (err) {
          return !inRange && err instanceof ConfigError && err.message === `time: invalid duration "${text.replaceAll('µ', '\\xc2\\xb5')}"`
        }
      }),
      { numRuns: 500 }
    )
  })
})
