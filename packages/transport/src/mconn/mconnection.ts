import {
  AbortError,
  type AbortOptions,
  type ChannelDescriptor,
  type CloseOptions,
  type ConnectionHandlers,
  ConnectionClosedError,
  type ConnectionStatus,
  InvalidArgumentError,
  MessageTooLargeError,
  ProtocolError,
  TimeoutError,
  withoutStack
} from '@p2p/types'
import type { ByteStream } from '../byte-stream.js'
import type { HandedOver } from '../stream/handover-stream.js'
import { Channel, type SendWaiter } from './channel.js'
import type { ChannelLayout } from './channel-layout.js'
import { MConnectionContext } from './context.js'
import { asConnectionError, asProtocolError } from './errors.js'
import { FlowRate, isUnlimitedRate } from './flow-rate.js'
import { KeepAlive } from './keepalive.js'
import { ControlTally, RECV } from './metrics.js'
import type { MConnectionInit, ResolvedMConnectionOptions } from './options.js'
import { PACKET_MSG, PACKET_PING, PING_PACKET, PONG_PACKET, PacketView } from './packet-codec.js'
import { PacketReader } from './packet-reader.js'
import { SendLoop } from './send-loop.js'
import { INITIAL_WRITE_BUFFER_SIZE, WRITE_BUFFER_SIZE } from './write-buffer.js'

const NEW = 0
const RUNNING = 1
const FLUSHING = 2
const CLOSED = 3

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
  private stream: ByteStream
  private readonly ctx: MConnectionContext
  private readonly opts: ResolvedMConnectionOptions
  private readonly layout: ChannelLayout
  private readonly channels: Channel[]
  /** The send path, built by the first write (a message, a ping or a pong). */
  private sender: SendLoop | undefined
  /** The receive path, built by the first bytes. */
  private reader: PacketReader | undefined
  private view: PacketView | undefined
  private keepAlive: KeepAlive | undefined
  private recvMonitor: FlowRate | undefined
  private readonly recvLimited: boolean
  /** Pings and pongs not yet handed to the metrics sink (only with metrics). */
  private control: ControlTally | undefined

  private state = NEW
  private handlers: ConnectionHandlers | undefined
  private readonly createdAt = Date.now()
  private startedAt = 0
  private bytesReceived = 0
  private pongPending = false
  private recvPaused = false
  private recvRateTimer: ReturnType<typeof setTimeout> | undefined
  /** The stream ended; reported once what it delivered before is processed. */
  private remoteEnd: { error: Error | undefined } | undefined
  private flushStopTimer: ReturnType<typeof setTimeout> | undefined
  private flushStopReason: Error | undefined
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
      () => this.sendPing(),
      () => this.stop(new TimeoutError('pong', this.opts.pongTimeoutMs, 'pong timeout'))
    )
    this.keepAlive.start()
    const stream = this.stream
    stream.start({
      onData: (chunk, wireBytes) => this.onData(chunk, wireBytes),
      onEnd: (error) => this.onEnd(error)
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

  /** The send path, built on first use. */
  private sendPath(): SendLoop {
    let sender = this.sender
    if (sender === undefined) {
      const o = this.opts
      const maxDelimitedSize = this.layout.maxDelimitedSize
      this.sender = sender = new SendLoop({
        channels: this.channels,
        stream: this.stream,
        sendRate: o.sendRate,
        maxDelimitedSize,
        flushThrottleMs: o.flushThrottleMs,
        stallTimeoutMs: o.stallTimeoutMs,
        bufferSize: Math.max(WRITE_BUFFER_SIZE, 2 * maxDelimitedSize),
        initialBufferSize: Math.max(INITIAL_WRITE_BUFFER_SIZE, 2 * maxDelimitedSize),
        now: o.now,
        startedAt: this.startedAt,
        metrics: this.ctx.metrics,
        onFailure: (err) => this.stop(err)
      })
    }
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

  // ---- keep-alive ----------------------------------------------------------------------------

  private sendPing(): void {
    this.sendPath().writeControl(PING_PACKET)
    const control = this.control
    if (control !== undefined && this.ctx.metrics !== undefined) {
      control.pingsSent++
      control.flush(this.ctx.metrics)
    }
  }

  /** Answers pings; pings arriving before the pong is written share it (Go's 1-slot channel). */
  private queuePong(): void {
    if (this.pongPending) return
    this.pongPending = true
    queueMicrotask(() => {
      this.pongPending = false
      if (this.state !== RUNNING) return
      this.sendPath().writeControl(PONG_PACKET)
      if (this.control !== undefined) this.control.pongsSent++
    })
  }

  // ---- receive path --------------------------------------------------------------------------

  private onData(chunk: Uint8Array, wireBytes: number | undefined): void {
    if (this.state !== RUNNING) return
    this.bytesReceived += chunk.length
    // Packets are charged as they are read; the framing around them (a 1044-byte frame may carry
    // a 3-byte ping) is charged on arrival, so a flood of near-empty frames is limited too.
    if (this.recvLimited && wireBytes !== undefined && wireBytes > chunk.length) this.recvLimiter().update(wireBytes - chunk.length)
    let reader = this.reader
    if (reader === undefined) {
      this.reader = reader = new PacketReader(this.layout.maxRecvPacketSize)
      this.view = new PacketView()
    }
    reader.push(chunk)
    if (this.recvRateTimer === undefined) this.processReceived()
  }

  private recvLimiter(): FlowRate {
    if (this.recvMonitor === undefined) this.recvMonitor = new FlowRate(this.opts.now, this.opts.recvRate)
    return this.recvMonitor
  }

  private onEnd(error: Error | undefined): void {
    if (this.state === CLOSED || this.remoteEnd !== undefined) return
    this.remoteEnd = { error }
    if (this.state === FLUSHING) {
      this.stop(this.flushStopReason)
      return
    }
    // Deliver what arrived before the end (a seed's reply precedes its hang-up).
    if (this.recvRateTimer === undefined) this.processReceived()
  }

  private processReceived(): void {
    const reader = this.reader
    if (reader !== undefined && !this.readPackets(reader, this.view as PacketView)) return
    if (this.state !== RUNNING) return
    if (this.recvPaused) {
      this.recvPaused = false
      this.stream.resume()
    }
    if (this.remoteEnd !== undefined) {
      const { error } = this.remoteEnd
      // The peer hanging up is routine: no stack is captured for it.
      if (error === undefined) this.stop(withoutStack(() => new ConnectionClosedError('connection closed by peer')))
      else this.stop(asConnectionError(error, error.message))
    }
  }

  /** Reads and handles packets; false when it paused for the rate limiter or stopped. */
  private readPackets(reader: PacketReader, view: PacketView): boolean {
    while (this.state === RUNNING) {
      if (this.recvLimited) {
        // Go checks the limiter before reading each packet; pausing the stream pushes back on TCP.
        const wait = this.recvLimiter().delay(this.opts.recvRate)
        if (wait > 0) {
          if (!this.recvPaused) {
            this.recvPaused = true
            this.stream.pause()
          }
          this.ctx.metrics?.rateLimited.increment(wait / 1000, RECV)
          this.recvRateTimer = setTimeout(() => {
            this.recvRateTimer = undefined
            this.processReceived()
          }, wait)
          return false
        }
      }
      let size: number
      try {
        size = reader.next(view)
      } catch (err) {
        this.stop(asProtocolError(err))
        return false
      }
      if (size === 0) break
      if (this.recvLimited) this.recvLimiter().update(size)
      if (view.kind === PACKET_MSG) this.receiveMsg(view, reader)
      else if (view.kind === PACKET_PING) {
        if (this.control !== undefined) this.control.pingsReceived++
        this.queuePong()
      } else {
        if (this.control !== undefined) this.control.pongsReceived++
        this.keepAlive?.pongReceived()
      }
    }
    return true
  }

  private receiveMsg(view: PacketView, reader: PacketReader): void {
    const id = view.channelId
    const index = id >= 0 && id <= 0xff ? (this.layout.indexById[id] as number) : -1
    if (index < 0) {
      const hex = id < 0 ? `-${(-id).toString(16)}` : id.toString(16)
      this.stop(new ProtocolError(`unknown channel ${hex.toUpperCase()}`))
      return
    }
    const channel = this.channels[index] as Channel
    const limit = this.layout.maxRecvPacket[index] as number
    if (reader.packetLength > limit) {
      this.stop(new MessageTooLargeError(reader.packetLength, limit))
      return
    }
    let message: Uint8Array | undefined
    try {
      message = channel.receive(reader.buffer, view.dataStart, view.dataEnd, view.eof, reader.fromScratch)
      if (message !== undefined) (this.handlers as ConnectionHandlers).onReceive(id, message)
    } catch (err) {
      this.stop(asProtocolError(err))
    }
  }

  // ---- shutdown ------------------------------------------------------------------------------

  private settleWaiters(): void {
    for (const ch of this.channels) for (const waiter of ch.clearWaiters()) waiter.settle(false)
  }

  /** Stops everything once; reports `error` (or a clean close) to `onClose`. */
  private stop(error: Error | undefined): void {
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
