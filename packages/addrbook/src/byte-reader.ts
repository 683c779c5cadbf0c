/*
 * A cursor over JSON bytes with only the pieces the address book's fast loader needs (strings
 * without escapes, plain non-negative integers, null, punctuation). Anything else throws
 * {@link GIVE_UP}: the caller then leaves the text to `JSON.parse`.
 */

const QUOTE = 0x22
const COLON = 0x3a
const BACKSLASH = 0x5c

/** Gives up: the general decoder takes over. */
class GiveUp {}
export const GIVE_UP = new GiveUp()

/** ASCII text as bytes, for comparing without making strings. */
export const asciiBytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0))
const NULL = asciiBytes('null')

/** A cursor over the file's bytes with the few JSON pieces the book needs. */
export class Reader {
  at = 0
  /** Start and end (exclusive) of the last string read, without its quotes. */
  strStart = 0
  strEnd = 0

  constructor(readonly b: Buffer) {}

  space(): void {
    const b = this.b
    const len = b.length
    let at = this.at
    while (at < len) {
      const c = b[at]!
      if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) break
      at++
    }
    this.at = at
  }

  /** Skips space, then expects `c`. */
  expect(c: number): void {
    this.space()
    if (this.b[this.at] !== c) throw GIVE_UP
    this.at++
  }

  /** Skips space; true (and consumes it) when the next byte is `c`. */
  maybe(c: number): boolean {
    this.space()
    if (this.b[this.at] !== c) return false
    this.at++
    return true
  }

  /** A string of printable ASCII without escapes; its bounds in strStart/strEnd. */
  string(): void {
    this.expect(QUOTE)
    const b = this.b
    const len = b.length
    const start = this.at
    for (let at = start; at < len; at++) {
      const c = b[at]!
      if (c === QUOTE) {
        this.strStart = start
        this.strEnd = at
        this.at = at + 1
        return
      }
      // escapes, control and non-ASCII bytes are the general decoder's
      if (c === BACKSLASH || c < 0x20 || c > 0x7e) throw GIVE_UP
    }
    throw GIVE_UP
  }

  /** The next object key, then its colon. */
  key(): void {
    this.string()
    this.expect(COLON)
  }

  /** Whether the last string read is `field`. */
  is(field: Uint8Array): boolean {
    const n = this.strEnd - this.strStart
    if (n !== field.length) return false
    const b = this.b
    for (let i = 0; i < n; i++) if (b[this.strStart + i] !== field[i]) return false
    return true
  }

  /** A non-negative integer of at most 10 digits, no leading zero, no fraction or exponent. */
  uint(): number {
    this.space()
    const b = this.b
    let at = this.at
    const len = b.length
    let v = 0
    const start = at
    while (at < len) {
      const c = b[at]!
      if (c < 0x30 || c > 0x39) break
      v = v * 10 + c - 0x30
      at++
    }
    const n = at - start
    const next = b[at]
    if (n === 0 || n > 10 || (n > 1 && b[start] === 0x30) || next === 0x2e || next === 0x65 || next === 0x45) throw GIVE_UP
    this.at = at
    return v
  }

  /** Skips space; true (and consumes it) when the next value is `null`. */
  null(): boolean {
    this.space()
    const b = this.b
    for (let i = 0; i < 4; i++) if (b[this.at + i] !== NULL[i]) return false
    this.at += 4
    return true
  }

  /** The last string read, as a fresh (not sliced) string. */
  text(): string {
    return latin1(this.b, this.strStart, this.strEnd)
  }
}

/** A fresh string of `b[start..end)`: never a slice that would keep the file's text alive. */
export function latin1(b: Buffer, start: number, end: number): string {
  return b.toString('latin1', start, end)
}
