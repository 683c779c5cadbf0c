/**
 * @packageDocumentation
 *
 * The switch of the CometBFT v0.34 peer-to-peer layer (Go's `p2p.Switch`): it owns the
 * reactors and the peers, turns authenticated connections into peers (filters, limits,
 * `initPeer` → start → peer set → `addPeer`, in Go's order), accepts inbound connections,
 * dials on request (one dial per ID) and removes peers only after every reactor let go of them.
 * Whom to dial and when to redial is the peer manager's job, not the switch's.
 *
 * @example
 * ```ts
 * import { p2pSwitch, BaseReactor } from '@p2p/switch'
 * import type { Envelope } from '@p2p/types'
 *
 * class Hello extends BaseReactor {
 *   readonly name = 'hello'
 *   channels() { return [{ id: 0x70, priority: 1 }] }
 *   receive({ src, message }: Envelope) { console.log(src.id, new TextDecoder().decode(message)) }
 * }
 *
 * const sw = p2pSwitch({ maxInboundPeers: 40 })({ transport, nodeInfo: () => ourInfo })
 * sw.addReactor(new Hello())
 * await transport.start()
 * await sw.start()
 * const peer = await sw.dialPeer(address)
 * peer.trySend(0x70, new TextEncoder().encode('hi'))
 * await sw.stop()
 * ```
 */
import {
  type ComponentLogger,
  InvalidArgumentError,
  type Metrics,
  type NodeID,
  type NodeInfo,
  nodeIdProblem,
  type PeerFilter,
  type Switch,
  type SwitchAddrBook,
  type Transport
} from '@p2p/types'
import { P2PSwitch } from './switch.js'

export { BaseReactor } from './base-reactor.js'
export { channelLabel } from './metrics.js'
export { SwitchPeer } from './peer.js'
export { MapPeerSet } from './peer-set.js'
export { P2PSwitch } from './switch.js'

/** Options of {@link p2pSwitch}; each has Go v0.34's default. */
export interface SwitchInit {
  /** Inbound peers accepted at once, unconditional peers not counted (Go `max_num_inbound_peers`, 40). */
  maxInboundPeers?: number
  /**
   * Outbound peers admitted at once, unconditional and persistent peers not counted against it
   * (Go `max_num_outbound_peers`, 10, "excluding persistent peers").
   */
  maxOutboundPeers?: number
  /** Peers exempt from both limits (Go `unconditional_peer_ids`). */
  unconditionalPeerIds?: readonly NodeID[]
  /** Peers marked `persistent` (Go `persistent_peers`; the peer manager redials them). */
  persistentPeerIds?: readonly NodeID[]
  /** Allow several peers with one IP (Go `allow_duplicate_ip`, false). */
  allowDuplicateIp?: boolean
  /** Deadline of a whole `dialPeer` (TCP, handshakes, NodeInfo), default 10 s. */
  dialTimeoutMs?: number
  /** Deadline of the peer filter's checks on one connection (Go `filterTimeout`, 5 s). */
  filterTimeoutMs?: number
  /**
   * How long the switch waits for one reactor's async `removePeer` before it logs a
   * `TimeoutError` (phase `remove-peer`) and goes on removing the peer; default 10 s. Bounds
   * `stop()` and keeps a reconnecting peer's ID from staying taken by a hung reactor.
   */
  removePeerTimeoutMs?: number
  /**
   * How long the switch waits for one reactor's async `start()` or `stop()`; default 10 s. Past
   * it, `start()` stops the reactors it started (the late one too) and rejects with a
   * `TimeoutError` (phase `reactor-start`); `stop()` logs a `TimeoutError` (phase
   * `reactor-stop`) naming the reactor and goes on with the next one, so one hung reactor cannot
   * hang the node's shutdown.
   */
  reactorTimeoutMs?: number
  /**
   * Label byte counters with `peer_id` as well as `chID` (Go always does; it costs more CPU
   * than the sending, cometbft#3184). Default false.
   */
  perPeerMetricLabels?: boolean
  /** How often batched byte counters are handed to the metrics sink, default 1 s. */
  metricsFlushIntervalMs?: number
}

/** What the switch takes from the node. */
export interface SwitchComponents {
  transport: Transport
  /** Our NodeInfo (its ID identifies self-connections). */
  nodeInfo: () => NodeInfo
  /** Told `markGood` for each outbound peer, and our own addresses. */
  addrBook?: SwitchAddrBook
  /** Asked `denyAuthenticated` and `denyNodeInfo` for every connection given to `addPeer`. */
  peerFilter?: PeerFilter
  logger?: ComponentLogger
  metrics?: Metrics
}

/** @internal the options with defaults filled in. */
export interface ResolvedSwitchInit {
  readonly maxInboundPeers: number
  readonly maxOutboundPeers: number
  readonly unconditionalPeerIds: ReadonlySet<NodeID>
  readonly persistentPeerIds: ReadonlySet<NodeID>
  readonly allowDuplicateIp: boolean
  readonly dialTimeoutMs: number
  readonly filterTimeoutMs: number
  readonly removePeerTimeoutMs: number
  readonly reactorTimeoutMs: number
  readonly perPeerMetricLabels: boolean
  readonly metricsFlushIntervalMs: number
}

/** The defaults of {@link SwitchInit}'s optional fields (counts of peers, times in ms). */
export const SWITCH_DEFAULTS = {
  maxInboundPeers: 40,
  maxOutboundPeers: 10,
  allowDuplicateIp: false,
  dialTimeoutMs: 10_000,
  filterTimeoutMs: 5_000,
  removePeerTimeoutMs: 10_000,
  reactorTimeoutMs: 10_000,
  perPeerMetricLabels: false,
  metricsFlushIntervalMs: 1_000
} as const

function checkInit(init: SwitchInit): void {
  const counts = ['maxInboundPeers', 'maxOutboundPeers'] as const
  for (const k of counts) {
    const v = init[k]
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new InvalidArgumentError(`${k} must be an integer >= 0, got ${String(v)}`)
  }
  const times = ['dialTimeoutMs', 'filterTimeoutMs', 'removePeerTimeoutMs', 'reactorTimeoutMs', 'metricsFlushIntervalMs'] as const
  for (const k of times) {
    const v = init[k]
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new InvalidArgumentError(`${k} must be a number > 0, got ${String(v)}`)
  }
  for (const id of [...(init.unconditionalPeerIds ?? []), ...(init.persistentPeerIds ?? [])]) {
    const problem = nodeIdProblem(id)
    if (problem !== undefined) throw new InvalidArgumentError(`invalid peer ID ${JSON.stringify(id)}: ${problem}`)
  }
}

/**
 * Makes a switch. Add reactors with `addReactor` before `start()`. Throws `InvalidArgumentError`
 * for a negative limit, a non-positive timeout or a malformed peer ID.
 */
export function p2pSwitch(init: SwitchInit = {}): (components: SwitchComponents) => Switch {
  checkInit(init)
  const resolved: ResolvedSwitchInit = {
    maxInboundPeers: init.maxInboundPeers ?? SWITCH_DEFAULTS.maxInboundPeers,
    maxOutboundPeers: init.maxOutboundPeers ?? SWITCH_DEFAULTS.maxOutboundPeers,
    unconditionalPeerIds: new Set(init.unconditionalPeerIds ?? []),
    persistentPeerIds: new Set(init.persistentPeerIds ?? []),
    allowDuplicateIp: init.allowDuplicateIp ?? SWITCH_DEFAULTS.allowDuplicateIp,
    dialTimeoutMs: init.dialTimeoutMs ?? SWITCH_DEFAULTS.dialTimeoutMs,
    filterTimeoutMs: init.filterTimeoutMs ?? SWITCH_DEFAULTS.filterTimeoutMs,
    removePeerTimeoutMs: init.removePeerTimeoutMs ?? SWITCH_DEFAULTS.removePeerTimeoutMs,
    reactorTimeoutMs: init.reactorTimeoutMs ?? SWITCH_DEFAULTS.reactorTimeoutMs,
    perPeerMetricLabels: init.perPeerMetricLabels ?? SWITCH_DEFAULTS.perPeerMetricLabels,
    metricsFlushIntervalMs: init.metricsFlushIntervalMs ?? SWITCH_DEFAULTS.metricsFlushIntervalMs
  }
  return (components) => new P2PSwitch(components, resolved)
}
