const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * How long a peer removed for a fault is banned, keyed by `MisbehaviourError.kind` or by the
 * error's `name` (`MisbehaviourError` covers every kind not listed). Go bans PEX abusers for
 * 24 h through the address book and nothing else; a protocol error here costs a short ban (a
 * minute) so a broken peer cannot reconnect in a loop.
 */
export const DEFAULT_BAN_DURATIONS: Readonly<Record<string, number>> = Object.freeze({
  'pex-request-flood': DAY,
  'pex-unsolicited-addrs': DAY,
  'pex-too-many-addrs': DAY,
  'pex-invalid-addr': DAY,
  'bad-message': DAY,
  'wrong-network': DAY,
  MisbehaviourError: HOUR,
  // short: a connection cut mid-frame (a dying honest peer) also ends in a ProtocolError
  ProtocolError: MINUTE,
  MessageTooLargeError: 10 * MINUTE
})

/** The ban for a removal `reason` under `table` (0: none). Tests `name`, not `instanceof`. */
export function banDurationFor(reason: unknown, table: Readonly<Record<string, number>>): number {
  if (!(reason instanceof Error)) return 0
  if (reason.name === 'MisbehaviourError') {
    const kind = (reason as { kind?: unknown }).kind
    if (typeof kind === 'string' && table[kind] !== undefined) return table[kind]
  }
  return table[reason.name] ?? 0
}
