import {
  AbortError,
  type AbortOptions,
  type ChannelDescriptor,
  type CloseOptions,
  type ConnectionHandlers,
  type ConnectionStatus,
  InvalidArgumentError,
  TimeoutError
} from '@p2p/types'
import type { ByteStream } from '../byte-stream.js'
import type { HandedOver } from '../stream/handover-stream.js'
import { Channel, type SendWaiter } from './channel.js'
import type { ChannelLayout } from './channel-layout.js'
import { CLOSED, FLUSHING, NEW, RUNNING } from './connection-state.js'
import { MConnectionContext } from './context.js'
import { type FlowRate, isUnlimitedRate } from './flow-rate.js'
import { KeepAlive, sendPing } from './keepalive.js'
import { ControlTally } from './metrics.js'
import type { MConnectionInit, ResolvedMConnectionOptions } from './options.js'
import type { PacketView } from './packet-codec.js'
import type { PacketReader } from './packet-reader.js'
import { receiveData, receiveEnd } from './receive-path.js'
import { connectionSendLoop, type SendLoop } from './send-loop.js'

/**
 * Go's `MConnection`: multiplexes prioritised channels over one {@link ByteStream} as
 * uvarint-delimited `Packet`s, with message splitting and reassembly, Go's channel scheduling,
 * batched and throttled flushing, ping/pong keep-alive and send/receive rate limits. A protocol
 * violation by the peer, a pong timeout or the stream ending stops it; `onClose` hears about it
 * once. `onReceive` runs synchronously on the read path; a message may be a view into a receive
 * buffer, so copy it if it is kept for long.
 *
 * Set-up is cheap on purpose (seeds and crawlers live on short connections): options and the
 * channel layout come resolved from the factory, the send path (write buffer, scheduler, send
 * limiter) is built by the first write, the packet reader by the first bytes received, and the
 * keep-alive is one timer. A connection that closes without traffic never builds them.
 */
export class MConnection {
  // Members marked internal are what the receive path (receive-path.ts), the pings and pongs
  // (keepalive.ts) and the building of the send path (send-loop.ts) use: plain functions taking
  // the connection, so that the split costs no object or closure per connection.
  /** @internal */ stream: ByteStream
  /** @internal */ readonly ctx: MConnectionContext
  /** @internal */ readonly opts: ResolvedMConnectionOptions
  /** @internal */ readonly layout: ChannelLayout
  /** @internal */ readonly channels: Channel[]
  /** The send path, built by the first write (a message, a ping or a pong). */
  private sender: SendLoop | undefined
  /** @internal The receive path, built by the first bytes. */
  reader: PacketReader | undefined
  /** @internal */ view: PacketView | undefined
  /** @internal */ keepAlive: KeepAlive | undefined
  /** @internal */ recvMonitor: FlowRate | undefined
  /** @internal */ readonly recvLimited: boolean
  /** @internal Pings and pongs not yet handed to the metrics sink (only with metrics). */
  control: ControlTally | undefined

  /** @internal */ state = NEW
  /** @internal */ handlers: ConnectionHandlers | undefined
  private readonly createdAt = Date.now()
  /** @internal */ startedAt = 0
  /** @internal */ bytesReceived = 0
  /** @internal */ pongPending = false
  /** @internal */ recvPaused = false
  /** @internal */ recvRateTimer: ReturnType<typeof setTimeout> | undefined
  /** @internal The stream ended; reported once what it delivered before is processed. */
  remoteEnd: { error: Error | undefined } | undefined
  private flushStopTimer: ReturnType<typeof setTimeout> | undefined
  /** @internal */ flushStopReason: Error | undefined
  private closed: Promise<void> | undefined
  private resolveClosed: (() => void) | undefined

  /**
   * Throws `InvalidArgumentError` for bad options or descriptors (priority <= 0, bad IDs).
   * @param context - options resolved once for many connections (what `mconnection(init)`
   *   passes); when given, `init` is ignored
   */
  constructor(stream: ByteStream, channels: readonly ChannelDescriptor[], init: MConnectionInit = {}, context?: MConnectionContext) {
    this.stream = stream
    this.ctx = context ?? new MConnectionContext(init)
    this.opts = this.ctx.opts
    this.layout = this.ctx.layout(channels)
    const payload = this.opts.maxPacketMsgPayloadSize
    this.channels = this.layout.descriptors.map((d) => new Channel(d, payload))
    this.recvLimited = !isUnlimitedRate(this.opts.recvRate)
  }

  /** True between `start` and `close` (or a failure). */
  get running(): boolean {
    return this.state === RUNNING
  }

  /** Starts reading, sending and pinging. Throws `InvalidArgumentError` when called twice. */
  start(handlers: ConnectionHandlers): void {
    if (this.state !== NEW) throw new InvalidArgumentError('MConnection already started')
    this.handlers = handlers
    this.state = RUNNING
    this.startedAt = this.opts.now()
    if (this.ctx.metrics !== undefined) this.control = new ControlTally()
    this.keepAlive = new KeepAlive(
      this.opts.pingIntervalMs,
      this.opts.pongTimeoutMs,
      () => sendPing(this),
      () => this.stop(new TimeoutError('pong', this.opts.pongTimeoutMs, 'pong timeout'))
    )
    this.keepAlive.start()
    const stream = this.stream
    stream.start({
      onData: (chunk, wireBytes) => receiveData(this, chunk, wireBytes),
      onEnd: (error) => receiveEnd(this, error)
    })
    // A stream that only stood in front of another until now (the upgrade's HandoverStream)
    // steps aside: from here on we talk to the one behind it.
    const direct = (stream as Partial<HandedOver>).handedOverTo
    if (direct !== undefined && this.state === RUNNING) this.stream = direct
  }

  private channel(channelId: number): Channel | undefined {
    if (this.state !== RUNNING) return undefined
    const index = this.layout.indexById[channelId]
    return index === undefined || index < 0 ? undefined : this.channels[index]
  }

  /** @internal The send path, built on first use. */
  sendPath(): SendLoop {
    let sender = this.sender
    if (sender === undefined) this.sender = sender = connectionSendLoop(this)
    return sender
  }

  /**
   * Queues `message` on `channelId`, waiting up to the send timeout for room. Resolves false when
   * the connection is not running, the channel is unknown or the wait timed out; rejects with
   * `AbortError` when `options.signal` aborts. The message must not be modified afterwards.
   */
  send(channelId: number, message: Uint8Array, options: AbortOptions = {}): Promise<boolean> {
    const signal = options.signal
    if (signal?.aborted === true) return Promise.reject(new AbortError())
    if (!(message instanceof Uint8Array)) return Promise.reject(new InvalidArgumentError('message must be a Uint8Array'))
    const channel = this.channel(channelId)
    if (channel === undefined) return Promise.resolve(false)
    if (channel.tryEnqueue(message)) {
      this.sendPath().wake()
      return Promise.resolve(true)
    }
    return new Promise<boolean>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const waiter: SendWaiter = {
        message,
        settle: (queued) => {
          done()
          if (queued) this.sendPath().wake()
          resolve(queued)
        }
      }
      const timer = setTimeout(() => {
        channel.removeWaiter(waiter)
        waiter.settle(false)
      }, this.opts.sendTimeoutMs)
      const onAbort = (): void => {
        channel.removeWaiter(waiter)
        done()
        reject(new AbortError())
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      channel.addWaiter(waiter)
    })
  }

  /** Queues `message` if the channel's queue has room now; false otherwise. Never waits. */
  trySend(channelId: number, message: Uint8Array): boolean {
    if (!(message instanceof Uint8Array)) throw new InvalidArgumentError('message must be a Uint8Array')
    const channel = this.channel(channelId)
    if (channel === undefined || !channel.tryEnqueue(message)) return false
    this.sendPath().wake()
    return true
  }

  /** Go's `CanSend` heuristic: the channel is known and has nothing queued. */
  canSend(channelId: number): boolean {
    const channel = this.channel(channelId)
    return channel !== undefined && channel.sendQueueSize < 1
  }

  /**
   * A snapshot of the counters (Go's `MConnection.Status`): bytes sent and received since
   * `connectedAt`, and per channel its queued messages, its message bytes each way, and
   * `recentlySent` (bytes, decayed as in Go; the decay is brought up to date first).
   */
  status(): ConnectionStatus {
    this.sender?.applyDecay()
    return {
      connectedAt: this.createdAt,
      bytesSent: this.sender?.bytesWritten ?? 0,
      bytesReceived: this.bytesReceived,
      channels: this.channels.map((ch) => ({
        id: ch.id,
        sendQueueSize: ch.sendQueueSize,
        sendQueueCapacity: ch.sendQueueCapacity,
        priority: ch.priority,
        recentlySent: ch.recentlySent,
        bytesSent: ch.bytesSent,
        bytesReceived: ch.bytesReceived
      }))
    }
  }

  /**
   * Closes the connection; with `flush`, first writes every queued message (Go's `FlushStop`),
   * bounded by `flushStopTimeoutMs`. `onClose` gets `reason` (undefined for a plain close).
   * Idempotent: later calls return the first call's promise, except that a plain close during a
   * flushing one cuts the flush short (an owner shutting down must not wait `flushStopTimeoutMs`
   * for a peer that stopped reading, nor leave its timer behind).
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.closed !== undefined) {
      if (this.state === FLUSHING && options.flush !== true) this.stop(this.flushStopReason)
      return this.closed
    }
    if (this.state === CLOSED) {
      this.closed = Promise.resolve()
      return this.closed
    }
    this.closed = new Promise<void>((resolve) => {
      this.resolveClosed = resolve
    })
    if (this.state === RUNNING && options.flush === true) {
      this.state = FLUSHING
      this.flushStopReason = options.reason
      this.keepAlive?.stop()
      this.settleWaiters()
      this.flushStopTimer = setTimeout(() => this.stop(options.reason), this.opts.flushStopTimeoutMs)
      const flushed = this.sender === undefined ? Promise.resolve() : this.sender.flushAll()
      void flushed.then(() => this.finishFlushStop())
    } else {
      this.stop(options.reason)
    }
    return this.closed
  }

  private finishFlushStop(): void {
    if (this.state !== FLUSHING) return
    const reason = this.flushStopReason
    this.stream.drained().then(
      () => this.stop(reason),
      () => this.stop(reason)
    )
  }

  // ---- shutdown ------------------------------------------------------------------------------

  private settleWaiters(): void {
    for (const ch of this.channels) for (const waiter of ch.clearWaiters()) waiter.settle(false)
  }

  /** @internal Stops everything once; reports `error` (or a clean close) to `onClose`. */
  stop(error: Error | undefined): void {
    if (this.state === CLOSED) return
    const wasStarted = this.state !== NEW
    this.state = CLOSED
    this.keepAlive?.stop()
    this.sender?.stop()
    if (this.recvRateTimer !== undefined) clearTimeout(this.recvRateTimer)
    if (this.flushStopTimer !== undefined) clearTimeout(this.flushStopTimer)
    this.recvRateTimer = this.flushStopTimer = undefined
    this.settleWaiters()
    for (const ch of this.channels) ch.clear()
    this.reader?.clear()
    this.stream.close(error)
    if (this.control !== undefined && this.ctx.metrics !== undefined) this.control.flush(this.ctx.metrics)
    const log = this.opts.logger
    if (log?.enabled === true) log('mconnection stopped%s', error === undefined ? '' : `: ${error.name}: ${error.message}`)
    if (wasStarted) {
      try {
        this.handlers?.onClose(error)
      } catch (err) {
        this.opts.logger?.error('onClose handler threw: %s', err)
      }
    }
    this.resolveClosed?.()
  }
}
