import type { NetAddress } from '@p2p/types'

/**
 * The typed reason of an error for a log line: its class name plus the discriminant of the
 * typed errors of `@p2p/types` (`kind` of a MisbehaviourError, `reason` of a RejectedError,
 * `phase` of a TimeoutError), then its message: `MisbehaviourError:bad-message: too long`.
 * Name and discriminant are checked against a short pattern so they stay bounded.
 */
export function typedReason(err: Error | undefined): string {
  if (err === undefined) return 'none'
  const e = err as Error & { reason?: unknown; phase?: unknown; kind?: unknown }
  const name = NAME.test(err.name) ? err.name : 'Error'
  const detail = [e.kind, e.reason, e.phase].find((d): d is string => typeof d === 'string' && DETAIL.test(d))
  const label = detail === undefined ? name : `${name}:${detail}`
  return err.message === '' ? label : `${label}: ${err.message}`
}

/** `id@ip:port`, the address form of every peer log line. */
export function peerAddress(id: string, addr: Pick<NetAddress, 'ip' | 'port'>): string {
  return `${id}@${addr.ip}:${addr.port}`
}

const NAME = /^[A-Za-z][A-Za-z0-9]{0,39}$/
const DETAIL = /^[a-z][a-z0-9-]{0,39}$/
