/*
 * Go's `time.Time` JSON form (RFC 3339 with up to nine fraction digits). The book keeps times as
 * milliseconds since the Unix epoch; Go's nanosecond digits below the millisecond are dropped on
 * load, which moves no entry across any threshold of the book (the shortest is one minute).
 * Formatting and parsing are done by hand (no Date, no regex): a full book has 60,000 times.
 */

/** Go's zero `time.Time` (`0001-01-01T00:00:00Z`), the value of a time never set. */
export const GO_ZERO_TIME_MS = -62135596800000
const GO_ZERO_TIME_TEXT = '0001-01-01T00:00:00Z'
/** `9999-12-31T23:59:59.999Z`: Go cannot marshal a later year. */
const MAX_TIME_MS = 253402300799999
const DAY_MS = 86_400_000

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** The date of a day number (H. Hinnant's civil_from_days). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d]
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/** Formats like Go's `time.Time.MarshalJSON` of a UTC time: fraction digits trimmed of zeros. */
export function formatGoTime(ms: number): string {
  if (!(ms > GO_ZERO_TIME_MS)) return GO_ZERO_TIME_TEXT // also NaN
  const t = Math.floor(Math.min(ms, MAX_TIME_MS))
  const days = Math.floor(t / DAY_MS)
  let rest = t - days * DAY_MS
  const [y, m, d] = civilFromDays(days)
  const h = Math.floor(rest / 3_600_000)
  rest -= h * 3_600_000
  const min = Math.floor(rest / 60_000)
  rest -= min * 60_000
  const s = Math.floor(rest / 1000)
  const frac = rest - s * 1000
  let fraction = ''
  if (frac !== 0) {
    fraction = frac < 10 ? `.00${frac}` : frac < 100 ? `.0${frac}` : `.${frac}`
    while (fraction.endsWith('0')) fraction = fraction.slice(0, -1)
  }
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(min)}:${pad2(s)}${fraction}Z`
}

function digits(text: string, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const c = text.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}

/** Parses a Go RFC 3339 time to epoch milliseconds, or `undefined` when it is not one. */
export function parseGoTime(text: string): number | undefined {
  if (text === GO_ZERO_TIME_TEXT) return GO_ZERO_TIME_MS
  if (text.length < 20 || text.length > 64) return undefined
  const y = digits(text, 0, 4)
  const mo = digits(text, 5, 2)
  const d = digits(text, 8, 2)
  const h = digits(text, 11, 2)
  const mi = digits(text, 14, 2)
  const s = digits(text, 17, 2)
  if (text[4] !== '-' || text[7] !== '-' || (text[10] !== 'T' && text[10] !== 't') || text[13] !== ':' || text[16] !== ':') return undefined
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return undefined
  const monthDays = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  if (d > monthDays[mo - 1]!) return undefined
  let at = 19
  let ms = 0
  if (text[at] === '.') {
    const start = ++at
    while (at < text.length && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++
    const n = at - start
    if (n < 1 || n > 9) return undefined
    ms = digits(`${text.slice(start, Math.min(at, start + 3))}00`, 0, 3)
  }
  let offset = 0
  const zone = text[at]
  if (zone === 'Z' || zone === 'z') {
    if (at + 1 !== text.length) return undefined
  } else if (zone === '+' || zone === '-') {
    const oh = digits(text, at + 1, 2)
    const om = digits(text, at + 4, 2)
    if (at + 6 !== text.length || text[at + 3] !== ':' || oh < 0 || oh > 23 || om < 0 || om > 59) return undefined
    offset = (oh * 60 + om) * 60_000 * (zone === '+' ? -1 : 1)
  } else {
    return undefined
  }
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + ms + offset
}

/** ASCII digits of `b[at..at+n)` as a number, or -1. */
function digitsAt(b: Uint8Array, at: number, n: number): number {
  let v = 0
  for (let i = at; i < at + n; i++) {
    const c = (b[i] ?? 0) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}

/** Bytes of Go's zero time text, the most common value in a saved book. */
const GO_ZERO_TIME_BYTES = Uint8Array.from(GO_ZERO_TIME_TEXT, (c) => c.charCodeAt(0))

/**
 * {@link parseGoTime} of the ASCII text `b[start..end)`, without making a string (a full book
 * holds 60,000 times). Same grammar, same result.
 */
export function parseGoTimeBytes(b: Uint8Array, start: number, end: number): number | undefined {
  const length = end - start
  if (length === GO_ZERO_TIME_BYTES.length) {
    let zero = true
    for (let i = 0; i < length && zero; i++) zero = b[start + i] === GO_ZERO_TIME_BYTES[i]
    if (zero) return GO_ZERO_TIME_MS
  }
  if (length < 20 || length > 64) return undefined
  const y = digitsAt(b, start, 4)
  const mo = digitsAt(b, start + 5, 2)
  const d = digitsAt(b, start + 8, 2)
  const h = digitsAt(b, start + 11, 2)
  const mi = digitsAt(b, start + 14, 2)
  const s = digitsAt(b, start + 17, 2)
  const t = b[start + 10]
  if (b[start + 4] !== 0x2d || b[start + 7] !== 0x2d || (t !== 0x54 && t !== 0x74) || b[start + 13] !== 0x3a || b[start + 16] !== 0x3a) return undefined
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return undefined
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
  const monthDays = mo === 2 ? (leap ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31
  if (d > monthDays) return undefined
  let at = start + 19
  let ms = 0
  if (b[at] === 0x2e) {
    const from = ++at
    while (at < end && (b[at] ?? 0) >= 48 && (b[at] ?? 0) <= 57) at++
    const n = at - from
    if (n < 1 || n > 9) return undefined
    // the first three digits, right-padded with zeros: milliseconds
    for (let i = 0; i < 3; i++) ms = ms * 10 + (i < n ? b[from + i]! - 48 : 0)
  }
  let offset = 0
  const zone = b[at]
  if (zone === 0x5a || zone === 0x7a) {
    if (at + 1 !== end) return undefined
  } else if (zone === 0x2b || zone === 0x2d) {
    const oh = digitsAt(b, at + 1, 2)
    const om = digitsAt(b, at + 4, 2)
    if (at + 6 !== end || b[at + 3] !== 0x3a || oh < 0 || oh > 23 || om < 0 || om > 59) return undefined
    offset = (oh * 60 + om) * 60_000 * (zone === 0x2b ? -1 : 1)
  } else {
    return undefined
  }
  return daysFromCivil(y, mo, d) * DAY_MS + ((h * 60 + mi) * 60 + s) * 1000 + ms + offset
}
