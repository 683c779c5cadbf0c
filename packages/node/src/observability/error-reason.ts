/**
 * A short, bounded label for an error: its class name, and the discriminant of the typed errors
 * of `@p2p/types` (`TimeoutError:handshake`, `RejectedError:duplicate-id`,
 * `MisbehaviourError:pex-too-many-addrs`). Anything else becomes `other`: a metric label or log
 * field must never carry free text from the network.
 */
export function errorReason(err: unknown): string {
  if (err === undefined) return 'none'
  if (typeof err !== 'object' || err === null) return 'other'
  const e = err as { name?: unknown; reason?: unknown; phase?: unknown; stage?: unknown; kind?: unknown }
  const name = typeof e.name === 'string' && NAME.test(e.name) ? e.name : 'other'
  const detail = [e.reason, e.phase, e.stage, e.kind].find((d) => typeof d === 'string')
  return typeof detail === 'string' && DETAIL.test(detail) ? `${name}:${detail}` : name
}

const NAME = /^[A-Za-z][A-Za-z0-9]{0,39}$/
const DETAIL = /^[a-z][a-z0-9-]{0,39}$/
