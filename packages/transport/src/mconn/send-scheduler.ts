/*
 * Go's channel choice (`MConnection.sendPacketMsg`): among channels with something to send, the
 * one with the least `recentlySent / priority` (computed in float32, as Go does) sends the next
 * packet; ties go to the channel registered first. `recentlySent` counts the delimited bytes a
 * channel wrote and decays by ×0.8 (truncated) every 2 s (`updateStats`).
 */

/** Go's `updateStats`: the period of the `recentlySent` decay. */
export const RECENTLY_SENT_DECAY_PERIOD_MS = 2000
/** Each decay multiplies `recentlySent` by this and truncates. */
export const RECENTLY_SENT_DECAY_FACTOR = 0.8

export interface SchedulableChannel {
  readonly priority: number
  readonly recentlySent: number
  /** True when the channel has a packet to send (may pull the next message off its queue). */
  isSendPending(): boolean
}

/** Index of the channel that sends next, or -1 when none has anything pending. */
export function pickChannel(channels: readonly SchedulableChannel[]): number {
  let least = 3.4028234663852886e38 // math.MaxFloat32
  let chosen = -1
  for (let i = 0; i < channels.length; i++) {
    const channel = channels[i] as SchedulableChannel
    if (!channel.isSendPending()) continue
    const ratio = Math.fround(Math.fround(channel.recentlySent) / Math.fround(channel.priority))
    if (ratio < least) {
      least = ratio
      chosen = i
    }
  }
  return chosen
}

/** `recentlySent` after `steps` decays. */
export function decayRecentlySent(recentlySent: number, steps: number): number {
  for (let i = 0; i < steps && recentlySent > 0; i++) {
    recentlySent = Math.trunc(recentlySent * RECENTLY_SENT_DECAY_FACTOR)
  }
  return recentlySent
}
