import { type ChannelDescriptor, InvalidArgumentError, type Logger, type Metrics } from '@p2p/types'
import { DEFAULT_MAX_PACKET_MSG_PAYLOAD_SIZE } from './packet-codec.js'

/**
 * Options of an {@link MConnection}. Every default is Go's `DefaultMConnConfig()` (v0.34.35
 * `p2p/conn/connection.go`); note that a Go node overrides the rates with config.toml's
 * `send_rate` / `recv_rate` (5120000) and the flush throttle with `flush_throttle_timeout`.
 */
export interface MConnectionInit {
  /** Send limit in bytes/s; 0 or Infinity disables it. Default 512000. */
  sendRate?: number
  /**
   * Receive limit in bytes/s; 0 or Infinity disables it. Default 512000. Checked before each
   * packet like Go's, but what a 100 ms sample took beyond its share is still owed in the next
   * ones (Go forgets it, so packets larger than a sample's share pass at one per sample).
   */
  recvRate?: number
  /** Largest `data` of one PacketMsg; must equal the peer's. Default 1024. */
  maxPacketMsgPayloadSize?: number
  /** Longest time written packets wait before being handed to the stream, ms. Default 100. */
  flushThrottleMs?: number
  /** Ping period, ms. Default 60000. */
  pingIntervalMs?: number
  /** How long to wait for a pong after a ping, ms; must be < `pingIntervalMs`. Default 45000. */
  pongTimeoutMs?: number
  /** How long `send` waits for room in a full send queue, ms. Default 10000. */
  sendTimeoutMs?: number
  /**
   * How long the peer's receive window may stay shut (our writes not draining) before the peer
   * is dropped with `TimeoutError` (phase `send`), ms; 0 disables. Default: `sendTimeoutMs`.
   */
  stallTimeoutMs?: number
  /**
   * Bound on `close({ flush: true })`: after this many ms the connection closes even if queued
   * messages could not be written (a peer that stopped reading). Go has no bound. Default 10000.
   */
  flushStopTimeoutMs?: number
  logger?: Logger
  /**
   * Where the connection records what only it sees (time held back by the rate limiters, time
   * blocked on a peer that does not read, pings and pongs); see `MConnectionMetrics`. Message
   * bytes per channel are the switch's to count. Default: none.
   */
  metrics?: Metrics
  /** Clock of the rate limiters, ms (tests inject a fake one). Default `performance.now`. */
  now?: () => number
}

/** The defaults of {@link MConnectionInit} (Go's `DefaultMConnConfig()`; rates in bytes/s, times in ms). */
export const MCONNECTION_DEFAULTS = {
  sendRate: 512_000,
  recvRate: 512_000,
  maxPacketMsgPayloadSize: DEFAULT_MAX_PACKET_MSG_PAYLOAD_SIZE,
  flushThrottleMs: 100,
  pingIntervalMs: 60_000,
  pongTimeoutMs: 45_000,
  sendTimeoutMs: 10_000,
  flushStopTimeoutMs: 10_000
} as const

/** Go's `ChannelDescriptor.FillDefaults`. */
export const CHANNEL_DEFAULTS = {
  sendQueueCapacity: 1,
  recvBufferCapacity: 4096,
  recvMessageCapacity: 22_020_096
} as const

export interface ResolvedMConnectionOptions {
  readonly sendRate: number
  readonly recvRate: number
  readonly maxPacketMsgPayloadSize: number
  readonly flushThrottleMs: number
  readonly pingIntervalMs: number
  readonly pongTimeoutMs: number
  readonly sendTimeoutMs: number
  readonly stallTimeoutMs: number
  readonly flushStopTimeoutMs: number
  readonly logger: Logger | undefined
  readonly now: () => number
}

export interface ResolvedChannelDescriptor {
  readonly id: number
  readonly priority: number
  readonly sendQueueCapacity: number
  readonly recvBufferCapacity: number
  readonly recvMessageCapacity: number
}

function nonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative number, got ${String(value)}`)
  }
  return value
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`)
  }
  return value
}

/** Applies defaults and checks ranges; throws `InvalidArgumentError`. */
export function resolveMConnectionOptions(init: MConnectionInit = {}): ResolvedMConnectionOptions {
  const o = {
    sendRate: nonNegative('sendRate', init.sendRate ?? MCONNECTION_DEFAULTS.sendRate),
    recvRate: nonNegative('recvRate', init.recvRate ?? MCONNECTION_DEFAULTS.recvRate),
    maxPacketMsgPayloadSize: positiveInteger(
      'maxPacketMsgPayloadSize',
      init.maxPacketMsgPayloadSize ?? MCONNECTION_DEFAULTS.maxPacketMsgPayloadSize
    ),
    flushThrottleMs: nonNegative('flushThrottleMs', init.flushThrottleMs ?? MCONNECTION_DEFAULTS.flushThrottleMs),
    pingIntervalMs: nonNegative('pingIntervalMs', init.pingIntervalMs ?? MCONNECTION_DEFAULTS.pingIntervalMs),
    pongTimeoutMs: nonNegative('pongTimeoutMs', init.pongTimeoutMs ?? MCONNECTION_DEFAULTS.pongTimeoutMs),
    sendTimeoutMs: nonNegative('sendTimeoutMs', init.sendTimeoutMs ?? MCONNECTION_DEFAULTS.sendTimeoutMs),
    stallTimeoutMs: nonNegative('stallTimeoutMs', init.stallTimeoutMs ?? init.sendTimeoutMs ?? MCONNECTION_DEFAULTS.sendTimeoutMs),
    flushStopTimeoutMs: nonNegative('flushStopTimeoutMs', init.flushStopTimeoutMs ?? MCONNECTION_DEFAULTS.flushStopTimeoutMs),
    logger: init.logger,
    now: init.now ?? (() => performance.now())
  }
  // Go panics here: a ping re-arms the pong timer, so a longer pong timeout would never fire.
  if (o.pongTimeoutMs >= o.pingIntervalMs) {
    throw new InvalidArgumentError(`pongTimeoutMs (${o.pongTimeoutMs}) must be less than pingIntervalMs (${o.pingIntervalMs})`)
  }
  // Timers clamp larger delays to 1 ms; refuse instead of pinging in a loop.
  for (const key of ['flushThrottleMs', 'pingIntervalMs', 'pongTimeoutMs', 'sendTimeoutMs', 'stallTimeoutMs', 'flushStopTimeoutMs'] as const) {
    if (o[key] > 2_147_483_647) throw new InvalidArgumentError(`${key} must be at most 2147483647 ms`)
  }
  if (o.maxPacketMsgPayloadSize > 1 << 24) {
    throw new InvalidArgumentError('maxPacketMsgPayloadSize must be at most 16 MiB')
  }
  return o
}

/** Fills Go's defaults into the descriptors and checks them; throws `InvalidArgumentError`. */
export function resolveChannelDescriptors(descriptors: readonly ChannelDescriptor[]): ResolvedChannelDescriptor[] {
  const seen = new Set<number>()
  return descriptors.map((d) => {
    if (!Number.isInteger(d.id) || d.id < 0 || d.id > 0xff) {
      throw new InvalidArgumentError(`channel ID must be 0..255, got ${String(d.id)}`)
    }
    if (seen.has(d.id)) throw new InvalidArgumentError(`duplicate channel ID 0x${d.id.toString(16)}`)
    seen.add(d.id)
    if (typeof d.priority !== 'number' || !(d.priority > 0) || !Number.isFinite(d.priority)) {
      throw new InvalidArgumentError(`channel 0x${d.id.toString(16)}: priority must be > 0, got ${String(d.priority)}`)
    }
    // Go fills zero capacities with the defaults; negative ones are a caller bug.
    const capacity = (name: keyof typeof CHANNEL_DEFAULTS, value: number | undefined): number =>
      value === undefined || value === 0 ? CHANNEL_DEFAULTS[name] : positiveInteger(`channel 0x${d.id.toString(16)} ${name}`, value)
    return {
      id: d.id,
      priority: d.priority,
      sendQueueCapacity: capacity('sendQueueCapacity', d.sendQueueCapacity),
      recvBufferCapacity: capacity('recvBufferCapacity', d.recvBufferCapacity),
      recvMessageCapacity: capacity('recvMessageCapacity', d.recvMessageCapacity)
    }
  })
}
