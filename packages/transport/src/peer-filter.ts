import { RejectedError } from '@p2p/types'

/**
 * Asks one `PeerFilter` stage. `true` refuses with a `RejectedError` of reason `filtered`. A
 * filter that throws also refuses: a `RejectedError` of reason `banned` (a ban list saying why)
 * passes through unchanged, anything else becomes reason `filtered` with the error as `cause`.
 * An absent stage (`ask` returns undefined) accepts.
 */
export async function askPeerFilter(
  ask: () => boolean | Promise<boolean> | undefined,
  what: string,
  ctx: { addr: string; id?: string }
): Promise<void> {
  let denied: boolean
  try {
    denied = (await ask()) === true
  } catch (err) {
    if (err instanceof Error && err.name === 'RejectedError' && (err as RejectedError).reason === 'banned') throw err
    const message = err instanceof Error ? err.message : String(err)
    throw new RejectedError('filtered', `${what} refused by the peer filter: ${message}`, { ...ctx, cause: err })
  }
  if (denied) throw new RejectedError('filtered', `${what} refused by the peer filter`, ctx)
}
