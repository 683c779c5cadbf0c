import { AbortError, type ConnFilter, type RawConnInfo, RejectedError, TimeoutError } from '@p2p/types'
import { deadline } from '../util/deadline.js'

/**
 * Runs every filter concurrently. Rejects with `RejectedError` (reason `filtered`) naming the
 * first filter error, `TimeoutError` (phase `filter`), or `AbortError`.
 */
export async function runConnFilters(
  filters: readonly ConnFilter[],
  conn: RawConnInfo,
  options: { timeoutMs: number; signal?: AbortSignal }
): Promise<void> {
  if (options.signal?.aborted === true) throw new AbortError()
  if (filters.length === 0) return
  const limit = deadline(options.timeoutMs, options.signal)
  const addr = `${conn.remoteIp}:${conn.remotePort}`
  try {
    const stopped = new Promise<never>((_resolve, reject) => {
      limit.signal.addEventListener('abort', () => reject(limit.timedOut ? new TimeoutError('filter', options.timeoutMs, 'filter timed out') : new AbortError()), { once: true })
    })
    stopped.catch(() => {})
    await Promise.race([
      Promise.all(
        filters.map(async (filter) => {
          try {
            await filter(conn, { signal: limit.signal })
          } catch (err) {
            if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) throw err
            throw new RejectedError('filtered', `filtered CONN<${addr}>: ${err instanceof Error ? err.message : String(err)}`, {
              addr,
              cause: err
            })
          }
        })
      ),
      stopped
    ])
  } finally {
    limit.clear()
  }
}
