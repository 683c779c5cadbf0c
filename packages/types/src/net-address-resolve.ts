import { lookup } from 'node:dns/promises'
import { NetAddressError } from './address-errors.js'
import { AbortError } from './errors.js'
import type { AbortOptions } from './startable.js'

/** Resolves a host name to IP addresses in text form, best first (as Go's `net.LookupIP`). */
export type HostResolver = (host: string, options?: AbortOptions) => Promise<string[]>

/**
 * Whether `host` is a syntactically valid DNS name by the rule Go's own resolver applies before
 * it sends a query (RFC 1035/3696): at most 253 characters (254 with a trailing dot), labels of
 * 1..63 letters, digits, `_` or `-`, no label starting with `-` or ending with `-`, and not all
 * digits and dots (so `1.2.3`, `256.1.1.1` and `01.02.03.04` are not names). Unlike Go, the root
 * name `.` is refused.
 */
export function isDomainName(host: string): boolean {
  const n = host.length
  if (n === 0 || n > 254 || (n === 254 && host[n - 1] !== '.') || host === '.') return false
  let last = 0x2e
  let labelLength = 0
  let nonNumeric = false
  for (let i = 0; i < n; i++) {
    const c = host.charCodeAt(i)
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f) {
      nonNumeric = true
      labelLength++
    } else if (c >= 0x30 && c <= 0x39) {
      labelLength++
    } else if (c === 0x2d) {
      if (last === 0x2e) return false
      nonNumeric = true
      labelLength++
    } else if (c === 0x2e) {
      if (last === 0x2e || last === 0x2d || labelLength === 0 || labelLength > 63) return false
      labelLength = 0
    } else {
      return false
    }
    last = c
  }
  return last !== 0x2d && labelLength <= 63 && nonNumeric
}

/**
 * Resolves with the operating system resolver (`dns.lookup`, all addresses); failures are
 * {@link NetAddressError} kind `lookup`. Names that are not
 * valid DNS names ({@link isDomainName}) fail with `lookup <host>: no such host` without a query,
 * as Go's resolver does; this also keeps `getaddrinfo` from reading `1.2.3` as `1.2.0.3`.
 * `dns.lookup` cannot be cancelled: on abort the promise rejects with {@link AbortError} at once
 * and the late answer is dropped.
 */
export const defaultHostResolver: HostResolver = async (host, options) => {
  const signal = options?.signal
  if (signal?.aborted === true) throw new AbortError()
  if (!isDomainName(host)) throw new NetAddressError('lookup', `lookup ${host}: no such host`)
  const query = lookup(host, { all: true, verbatim: true }).then(
    (found) => found.map((a) => a.address),
    (err: unknown) => {
      throw new NetAddressError('lookup', `lookup ${host}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
  )
  if (signal === undefined) return await query
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new AbortError())
    signal.addEventListener('abort', onAbort, { once: true })
  })
  query.catch(() => {})
  try {
    return await Promise.race([query, aborted])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}
