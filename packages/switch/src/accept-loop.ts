import type { Logger, PeerConnection, Transport } from '@p2p/types'
import { asError } from './util.js'

/** Pause before asking the transport for connections again after `accept` itself failed. */
const ACCEPT_RETRY_MS = 250

/**
 * Takes the transport's inbound connections until `signal` aborts or the transport ends, handing
 * each to `admit` without waiting for it: one slow filter or bad connection never holds the
 * loop. A failing `accept` is logged and retried after a short pause.
 */
export async function acceptLoop(transport: Transport, signal: AbortSignal, admit: (conn: PeerConnection) => Promise<unknown>, log: Logger): Promise<void> {
  while (!signal.aborted) {
    try {
      for await (const conn of transport.accept({ signal })) {
        if (signal.aborted) {
          await conn.close().catch(() => {})
          return
        }
        admit(conn).catch((err: unknown) => {
          const e = asError(err)
          if (e.name !== 'RejectedError') log('inbound connection from %s dropped: %s', conn.remoteAddr.ip, e.message)
        })
      }
      if (!signal.aborted) log('transport closed: accept loop ends')
      return
    } catch (err) {
      if (signal.aborted) return
      log.error('accept failed: %s; accepting again', asError(err).message)
      await pause(ACCEPT_RETRY_MS, signal)
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer or listener behind. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
