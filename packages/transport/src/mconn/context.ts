import type { ChannelDescriptor } from '@p2p/types'
import { type ChannelLayout, ChannelLayoutCache } from './channel-layout.js'
import { MConnectionMetrics } from './metrics.js'
import { type MConnectionInit, type ResolvedMConnectionOptions, resolveMConnectionOptions } from './options.js'

/**
 * What every MConnection built from one set of options shares: the resolved options, the last
 * channel layout and the metric handles. The factory (`mconnection(init)`) makes one and hands it
 * to each connection, so a connection's set-up resolves nothing and registers nothing.
 */
export class MConnectionContext {
  readonly opts: ResolvedMConnectionOptions
  readonly metrics: MConnectionMetrics | undefined
  private readonly layouts: ChannelLayoutCache

  /** Throws `InvalidArgumentError` for bad options. */
  constructor(init: MConnectionInit = {}) {
    this.opts = resolveMConnectionOptions(init)
    this.metrics = init.metrics === undefined ? undefined : MConnectionMetrics.for(init.metrics)
    this.layouts = new ChannelLayoutCache(this.opts.maxPacketMsgPayloadSize)
  }

  /** Throws `InvalidArgumentError` for bad descriptors (priority <= 0, bad or duplicate IDs). */
  layout(channels: readonly ChannelDescriptor[]): ChannelLayout {
    return this.layouts.get(channels)
  }
}
