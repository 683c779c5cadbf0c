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
  TimeoutError
} from '@p2p/types'
import type { ByteStream } from '../byte-stream.js'
import { uvarintLength } from '@p2p/types/wire'
import { Channel, type SendWaiter } from './channel.js'
import { FlowRate, isUnlimitedRate } from './flow-rate.js'
import { KeepAlive } from './keepalive.js'
import { type MConnectionInit, type ResolvedMConnectionOptions, resolveChannelDescriptors, resolveMConnectionOptions } from './options.js'
import { maxPacketMsgSize, packetMsgSize, PACKET_MSG, PACKET_PING, PING_PACKET, PONG_PACKET, PacketView } from './packet-codec.js'
import { PacketReader } from './packet-reader.js'
import { SendLoop } from './send-loop.js'
import { WRITE_BUFFER_SIZE, WriteBuffer } from './write-buffer.js'

const NEW = 0
const RUNNING = 1
const FLUSHING = 2
const CLOSED = 3

/** Typed errors (ours and the stream's) pass through; anything else is wrapped. */
function isTypedError(err: unknown): boolean {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string'
}

/** Go recovers any panic on the read path (a reactor's too) and drops the peer. */
function asTypedError(err: unknown): Error {
  return isTypedError(err) ? (err as Error) : new ProtocolError(`recovered from panic: ${String(err)}`, { cause: err })
}

/**
 * Go's `MConnection`: multiplexes prioritised channels over one {@link ByteStream} as
 * uvarint-delimited `Packet`s, with message splitting and reassembly, Go's channel scheduling,
 * batched and throttled flushing, ping/pong keep-alive and send/receive rate limits. A protocol
 * violation by the peer, a pong timeout or the stream ending stops it; `onClose` hears about it
 * once. `onReceive` runs synchronously on the read path; a message may be a view into a receive
 * buffer, so copy it if it is kept for long.
 */
export class MConnection {
  private readonly stream: ByteStream
  private readonly opts: ResolvedMConnectionOptions
  private readonly channels: Channel[]
  /** Channel by ID (0..255). */
  private readonly byId: Array<Channel | undefined> = new Array(256).fill(undefined)
  private readonly out: WriteBuffer
  private readonly sender: SendLoop
  private readonly reader: PacketReader
  private readonly view = new PacketView()
  /** Largest packet (without prefix) accepted per channel ID. */
  private readonly maxRecvPacket: number[]
  private readonly keepAlive: KeepAlive
  private readonly recvMonitor: FlowRate
  private readonly recvLimited: boolean

  private state = NEW
  private handlers: ConnectionHandlers | undefined
  private readonly createdAt = Date.now()
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

  /** Throws `InvalidArgumentError` for bad options or descriptors (priority <= 0, bad IDs). */
  constructor(stream: ByteStream, channels: readonly ChannelDescriptor[], init: MConnectionInit = {}) {
    this.stream = stream
    this.opts = resolveMConnectionOptions(init)
    const payload = this.opts.maxPacketMsgPayloadSize
    this.channels = resolveChannelDescriptors(channels).map((d) => new Channel(d, payload))
    for (const ch of this.channels) this.byId[ch.id] = ch
    // What we send: full packets on channels < 0x80, one payload byte less above (Go's limit).
    const maxPacketSize = maxPacketMsgSize(payload)
    const maxDelimitedSize = uvarintLength(maxPacketSize) + maxPacketSize
    // What we accept: Go sends full payloads on every channel, so a packet on a channel whose ID
    // takes two varint bytes may be one byte longer (1035 for 1024). The reader allows the
    // largest bound of our channels; receiveMsg holds each packet to its own channel's bound.
    this.maxRecvPacket = this.byId.map((ch) => (ch === undefined ? 0 : packetMsgSize(ch.id, true, payload)))
    const maxRecvPacketSize = Math.max(maxPacketSize, ...this.maxRecvPacket)
    this.out = new WriteBuffer(
      stream,
      this.opts.flushThrottleMs,
      () => this.nothingQueued(),
      () => this.sender.wake(),
      (err) => this.stop(isTypedError(err) ? (err as Error) : new ConnectionClosedError('write failed', { cause: err })),
      this.opts.stallTimeoutMs,
      Math.max(WRITE_BUFFER_SIZE, 2 * maxDelimitedSize)
    )
    this.sender = new SendLoop({
      channels: this.channels,
      out: this.out,
      sendRate: this.opts.sendRate,
      maxDelimitedSize,
      now: this.opts.now,
      active: () => this.state === RUNNING || this.state === FLUSHING,
      onDrainedAll: () => this.finishFlushStop()
    })
    this.reader = new PacketReader(maxRecvPacketSize)
    this.keepAlive = new KeepAlive(
      this.opts.pingIntervalMs,
      this.opts.pongTimeoutMs,
      () => this.sender.writeControl(PING_PACKET),
      () => this.stop(new TimeoutError('pong', this.opts.pongTimeoutMs, 'pong timeout'))
    )
    this.recvMonitor = new FlowRate(this.opts.now, this.opts.recvRate)
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
    this.sender.start()
    this.keepAlive.start()
    this.stream.start({
      onData: (chunk, wireBytes) => this.onData(chunk, wireBytes),
      onEnd: (error) => this.onEnd(error)
    })
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
    const channel = this.state === RUNNING ? this.byId[channelId] : undefined
    if (channel === undefined) return Promise.resolve(false)
    if (channel.tryEnqueue(message)) {
      this.sender.wake()
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
          if (queued) this.sender.wake()
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
    const channel = this.state === RUNNING ? this.byId[channelId] : undefined
    if (channel === undefined || !channel.tryEnqueue(message)) return false
    this.sender.wake()
    return true
  }

  /** Go's `CanSend` heuristic: the channel is known and has nothing queued. */
  canSend(channelId: number): boolean {
    const channel = this.state === RUNNING ? this.byId[channelId] : undefined
    return channel !== undefined && channel.sendQueueSize < 1
  }

  /**
   * A snapshot of the counters (Go's `MConnection.Status`): bytes sent and received since
   * `connectedAt`, and per channel its queued messages, its message bytes each way, and
   * `recentlySent` (bytes, decayed as in Go; the decay is brought up to date first).
   */
  status(): ConnectionStatus {
    this.sender.applyDecay()
    return {
      connectedAt: this.createdAt,
      bytesSent: this.out.bytesWritten,
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
   * Idempotent: later calls return the first call's promise.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.closed !== undefined) return this.closed
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
      this.keepAlive.stop()
      this.settleWaiters()
      this.flushStopTimer = setTimeout(() => this.stop(options.reason), this.opts.flushStopTimeoutMs)
      this.sender.draining = true
      this.sender.wake()
    } else {
      this.stop(options.reason)
    }
    return this.closed
  }

  private finishFlushStop(): void {
    const reason = this.flushStopReason
    this.stream.drained().then(
      () => this.stop(reason),
      () => this.stop(reason)
    )
  }

  // ---- receive path --------------------------------------------------------------------------

  private onData(chunk: Uint8Array, wireBytes: number | undefined): void {
    if (this.state !== RUNNING) return
    this.bytesReceived += chunk.length
    // Packets are charged as they are read; the framing around them (a 1044-byte frame may carry
    // a 3-byte ping) is charged on arrival, so a flood of near-empty frames is limited too.
    if (this.recvLimited && wireBytes !== undefined && wireBytes > chunk.length) this.recvMonitor.update(wireBytes - chunk.length)
    this.reader.push(chunk)
    if (this.recvRateTimer === undefined) this.processReceived()
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
    const view = this.view
    const reader = this.reader
    while (this.state === RUNNING) {
      if (this.recvLimited) {
        // Go checks the limiter before reading each packet; pausing the stream pushes back on TCP.
        const wait = this.recvMonitor.delay(this.opts.recvRate)
        if (wait > 0) {
          if (!this.recvPaused) {
            this.recvPaused = true
            this.stream.pause()
          }
          this.recvRateTimer = setTimeout(() => {
            this.recvRateTimer = undefined
            this.processReceived()
          }, wait)
          return
        }
      }
      let size: number
      try {
        size = reader.next(view)
      } catch (err) {
        this.stop(asTypedError(err))
        return
      }
      if (size === 0) break
      if (this.recvLimited) this.recvMonitor.update(size)
      if (view.kind === PACKET_MSG) this.receiveMsg(view, reader)
      else if (view.kind === PACKET_PING) this.queuePong()
      else this.keepAlive.pongReceived()
    }
    if (this.state !== RUNNING) return
    if (this.recvPaused) {
      this.recvPaused = false
      this.stream.resume()
    }
    if (this.remoteEnd !== undefined) {
      const { error } = this.remoteEnd
      if (error === undefined) this.stop(new ConnectionClosedError('connection closed by peer'))
      else this.stop(isTypedError(error) ? error : new ConnectionClosedError(error.message, { cause: error }))
    }
  }

  private receiveMsg(view: PacketView, reader: PacketReader): void {
    const id = view.channelId
    const channel = id >= 0 && id <= 0xff ? this.byId[id] : undefined
    if (channel === undefined) {
      const hex = id < 0 ? `-${(-id).toString(16)}` : id.toString(16)
      this.stop(new ProtocolError(`unknown channel ${hex.toUpperCase()}`))
      return
    }
    const limit = this.maxRecvPacket[id] as number
    if (reader.packetLength > limit) {
      this.stop(new MessageTooLargeError(reader.packetLength, limit))
      return
    }
    let message: Uint8Array | undefined
    try {
      message = channel.receive(reader.buffer, view.dataStart, view.dataEnd, view.eof, reader.fromScratch)
      if (message !== undefined) (this.handlers as ConnectionHandlers).onReceive(id, message)
    } catch (err) {
      this.stop(asTypedError(err))
    }
  }

  /** Answers pings; pings arriving before the pong is written share it (Go's 1-slot channel). */
  private queuePong(): void {
    if (this.pongPending) return
    this.pongPending = true
    queueMicrotask(() => {
      this.pongPending = false
      if (this.state === RUNNING) this.sender.writeControl(PONG_PACKET)
    })
  }

  /** No channel has a message queued or partly sent: the write buffer may be released. */
  private nothingQueued(): boolean {
    for (const ch of this.channels) if (ch.sendQueueSize > 0) return false
    return true
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
    this.keepAlive.stop()
    this.sender.stop()
    this.out.stop()
    if (this.recvRateTimer !== undefined) clearTimeout(this.recvRateTimer)
    if (this.flushStopTimer !== undefined) clearTimeout(this.flushStopTimer)
    this.recvRateTimer = this.flushStopTimer = undefined
    this.settleWaiters()
    for (const ch of this.channels) ch.clear()
    this.reader.clear()
    this.stream.close(error)
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
