import type { HostResolver } from '@p2p/types'
import type { PeerEntry } from './peer-list.js'

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
