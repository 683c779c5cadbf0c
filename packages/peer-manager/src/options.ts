import type { HostResolver } from '@p2p/types'
import type { DialHistoryOptions } from './dial-history.js'
import type { PeerEntry } from './peer-list.js'
import type { PersistentPeerOptions } from './persistent.js'

/** Every option of the manager with its default filled in. */
export interface PeerManagerOptions {
  persistentPeers: PeerEntry[]
  seeds: PeerEntry[]
  unconditionalPeerIds: Set<string>
  maxOutboundPeers: number
  ensurePeersPeriodMs: number
  maxDialsInFlight: number
  maxQueuedDials: number
  maxDialAttempts: number
  dialBackoffBaseMs: number
  dialBackoffJitterMs: number
  dialBackoffMaxMs: number
  minRedialIntervalMs: number
  maxDialHistory: number
  badAddressBanMs: number
  incompatibleBanMs: number
  persistentBackoffInitialMs: number
  persistentBackoffMaxMs: number
  persistentBackoffJitterMs: number
  flapWindowMs: number
  seedFollowUpMs: number
  seedFollowUpPollMs: number
  banDurations: Readonly<Record<string, number>>
  anchorsFile: string | undefined
  maxAnchors: number
  allowDuplicateIp: boolean
  resolve: HostResolver | undefined
  now: () => number
  random: () => number
}

/** The dial history's rules, from the manager's options. */
export function dialHistoryOptions(o: PeerManagerOptions): DialHistoryOptions {
  return {
    maxAttempts: o.maxDialAttempts,
    baseMs: o.dialBackoffBaseMs,
    jitterMs: o.dialBackoffJitterMs,
    maxBackoffMs: o.dialBackoffMaxMs,
    minRedialMs: o.minRedialIntervalMs,
    maxEntries: o.maxDialHistory
  }
}

/** A persistent peer's back-off, from the manager's options. */
export function persistentPeerOptions(o: PeerManagerOptions): PersistentPeerOptions {
  return {
    initialMs: o.persistentBackoffInitialMs,
    maxMs: o.persistentBackoffMaxMs,
    jitterMs: o.persistentBackoffJitterMs,
    flapWindowMs: o.flapWindowMs
  }
}
