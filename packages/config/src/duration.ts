import { ConfigError } from '@p2p/types'

/** Largest Go `time.Duration` (int64 nanoseconds). */
export const MAX_GO_DURATION_NS = (1n << 63n) - 1n
/** Smallest Go `time.Duration`. */
export const MIN_GO_DURATION_NS = -(1n << 63n)

const TWO_63 = 1n << 63n

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // micro sign, as Go accepts
  ['\u03bcs', 1_000n], // greek small letter mu, as Go accepts
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n]
])

const encoder = new TextEncoder()

/**
 * Go's `time.quote`: ASCII printable characters as they are (with `"` and `\` escaped), every
 * other character as `\xNN` escapes of its UTF-8 bytes. Reproduced so that our error messages
 * match the ones a Go node prints for the same config file.
 */
function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of encoder.encode(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`
    } else {
      if (ch === '"' || ch === '\\') out += '\\'
      out += ch
    }
  }
  return out + '"'
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9'
}

/**
 * Parses a Go duration string (`time.ParseDuration`, same grammar, limits and error texts) into
 * integer nanoseconds.
 *
 * Grammar: `[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+`, or a bare `0` (optionally signed).
 * The value must fit Go's int64 nanoseconds.
 *
 * @param key - the TOML key reported in the error (e.g. `p2p.flush_throttle_timeout`)
 * @throws {@link @p2p/types!ConfigError | ConfigError} with Go's message (`time: invalid duration "x"`,
 * `time: missing unit in duration "1"`, `time: unknown unit "d" in duration "1d"`)
 */
export function parseGoDurationNs(text: string, key = ''): bigint {
  if (typeof text !== 'string') {
    throw new ConfigError(key, `time: invalid duration: expected a string, got ${typeof text}`)
  }
  const invalid = (): ConfigError => new ConfigError(key, `time: invalid duration ${goQuote(text)}`)
  let s = text
  let neg = false
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') throw invalid()

  let total = 0n
  let i = 0
  while (i < s.length) {
    if (!(s[i] === '.' || isDigit(s[i]))) throw invalid()

    // Integer part; Go stops with an error once it passes 2^63.
    const intStart = i
    let v = 0n
    while (isDigit(s[i])) {
      if (v > TWO_63 / 10n) throw invalid()
      v = v * 10n + BigInt(s.charCodeAt(i) - 48)
      if (v > TWO_63) throw invalid()
      i++
    }
    const pre = i !== intStart

    // Fraction: Go keeps accumulating digits until they would overflow, then ignores the rest.
    let f = 0n
    let scale = 1
    let post = false
    if (s[i] === '.') {
      i++
      const fracStart = i
      let overflow = false
      while (isDigit(s[i])) {
        if (!overflow) {
          if (f > (TWO_63 - 1n) / 10n) {
            overflow = true
          } else {
            const y = f * 10n + BigInt(s.charCodeAt(i) - 48)
            if (y > TWO_63) {
              overflow = true
            } else {
              f = y
              scale *= 10
            }
          }
        }
        i++
      }
      post = i !== fracStart
    }
    if (!pre && !post) throw invalid()

    // The unit is everything up to the next digit or dot.
    const unitStart = i
    while (i < s.length && !(s[i] === '.' || isDigit(s[i]))) i++
    if (i === unitStart) throw new ConfigError(key, `time: missing unit in duration ${goQuote(text)}`)
    const u = s.slice(unitStart, i)
    const unit = UNITS.get(u)
    if (unit === undefined) {
      throw new ConfigError(key, `time: unknown unit ${goQuote(u)} in duration ${goQuote(text)}`)
    }
    if (v > TWO_63 / unit) throw invalid()
    v *= unit
    if (f > 0n) {
      // Same float64 arithmetic as Go, so fractions round to the same nanosecond.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)))
      if (v > TWO_63) throw invalid()
    }
    total += v
    if (total > TWO_63) throw invalid()
  }
  if (neg) return -total
  if (total > MAX_GO_DURATION_NS) throw invalid()
  return total
}

/**
 * Parses a Go duration string (see {@link parseGoDurationNs}) into milliseconds. Sub-millisecond
 * durations give fractional values (`300us` → `0.3`).
 *
 * @throws {@link @p2p/types!ConfigError | ConfigError} keyed by `key` when `text` is not a valid Go duration
 */
export function parseGoDuration(text: string, key = ''): number {
  return Number(parseGoDurationNs(text, key)) / 1e6
}

function fmtFrac(v: bigint, prec: number): { digits: string; rest: bigint } {
  // Go's fmtFrac: the `prec` low decimal digits of v as a fraction, trailing zeros dropped.
  let digits = ''
  let print = false
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n
    print ||= digit !== 0n
    if (print) digits = digit.toString() + digits
    v /= 10n
  }
  return { digits: print ? `.${digits}` : '', rest: v }
}

/**
 * Formats integer nanoseconds as Go's `Duration.String` does (`1m30s`, `100ms`, `0s`,
 * `168h0m0s`), so that the output parses back with {@link parseGoDurationNs}.
 *
 * @throws {@link @p2p/types!ConfigError | ConfigError} when `ns` does not fit Go's int64 nanoseconds
 */
export function formatGoDurationNs(ns: bigint): string {
  if (ns < MIN_GO_DURATION_NS || ns > MAX_GO_DURATION_NS) {
    throw new ConfigError('', `duration ${ns}ns does not fit Go's int64 nanoseconds`)
  }
  if (ns === 0n) return '0s'
  const neg = ns < 0n
  let u = neg ? -ns : ns
  let out: string
  if (u < 1_000_000_000n) {
    // Under a second: a single unit, with a fraction.
    let prec: number
    let unit: string
    if (u < 1_000n) {
      return `${neg ? '-' : ''}${u}ns`
    } else if (u < 1_000_000n) {
      prec = 3
      unit = '\u00b5s'
    } else {
      prec = 6
      unit = 'ms'
    }
    const { digits, rest } = fmtFrac(u, prec)
    out = `${rest}${digits}${unit}`
  } else {
    const { digits, rest } = fmtFrac(u, 9)
    u = rest
    out = `${u % 60n}${digits}s`
    u /= 60n
    if (u > 0n) {
      out = `${u % 60n}m${out}`
      u /= 60n
      if (u > 0n) out = `${u}h${out}`
    }
  }
  return neg ? `-${out}` : out
}

/**
 * Formats milliseconds as a Go duration string (rounded to the nearest nanosecond).
 *
 * @throws {@link @p2p/types!ConfigError | ConfigError} when `ms` is not finite or does not fit Go's int64 nanoseconds
 */
export function formatGoDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new ConfigError('', `duration ${ms} ms is not finite`)
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)))
}
