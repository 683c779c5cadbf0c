/*
 * A structural pre-scan of addrbook.json, run before `JSON.parse` builds anything: the file's
 * top-level keys and how many entries its `addrs` list holds, stopping as soon as that count
 * passes what a book can hold. A 50 MB file of 26 M junk entries (under the size cap) costs one
 * pass over the text instead of a 2 GB parse and 26 M log lines. Malformed text is left to
 * `JSON.parse` to report.
 */

export interface BookShape {
  /** Top-level keys, in file order. */
  keys: string[]
  /** Entries of `addrs` when it is a list (counting stopped at `maxEntries + 1`). */
  addrsCount: number
  /** The scan stopped because `addrs` holds more than `maxEntries` entries. */
  overflow: boolean
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++
  return i
}

/** Index after the string starting at the quote at `i`, or -1. */
function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === BACKSLASH) i++
    else if (c === QUOTE) return i + 1
  }
  return -1
}

/** Index after the JSON value starting at `i`, or -1 when the text ends first. */
function skipValue(text: string, i: number): number {
  const first = text.charCodeAt(i)
  if (first === QUOTE) return skipString(text, i)
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) {
        i = skipString(text, i) - 1
        if (i < 0) return -1
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) return i + 1
      }
    }
    return -1
  }
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break
    i++
  }
  return i
}

/**
 * The shape of an addrbook.json text, or undefined when it is not an object (or is malformed in
 * a way the scan notices; `JSON.parse` then says what is wrong).
 */
export function scanBookShape(text: string, maxEntries: number): BookShape | undefined {
  let i = skipSpace(text, 0)
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined
  const shape: BookShape = { keys: [], addrsCount: 0, overflow: false }
  i = skipSpace(text, i + 1)
  if (text.charCodeAt(i) === CLOSE_BRACE) return shape
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined
    const keyEnd = skipString(text, i)
    if (keyEnd < 0) return undefined
    let key: string
    try {
      key = JSON.parse(text.slice(i, keyEnd)) as string
    } catch {
      return undefined
    }
    shape.keys.push(key)
    i = skipSpace(text, keyEnd)
    if (text.charCodeAt(i) !== COLON) return undefined
    i = skipSpace(text, i + 1)
    if (key === 'addrs' && text.charCodeAt(i) === OPEN_BRACKET) {
      i = skipSpace(text, i + 1)
      if (text.charCodeAt(i) !== CLOSE_BRACKET) {
        for (;;) {
          i = skipValue(text, i)
          if (i < 0) return undefined
          if (++shape.addrsCount > maxEntries) {
            shape.overflow = true
            return shape
          }
          i = skipSpace(text, i)
          const c = text.charCodeAt(i)
          if (c === CLOSE_BRACKET) break
          if (c !== COMMA) return undefined
          i = skipSpace(text, i + 1)
        }
      }
      i++
    } else {
      i = skipValue(text, i)
      if (i < 0) return undefined
    }
    i = skipSpace(text, i)
    const c = text.charCodeAt(i)
    if (c === CLOSE_BRACE) return shape
    if (c !== COMMA) return undefined
    i = skipSpace(text, i + 1)
  }
}
