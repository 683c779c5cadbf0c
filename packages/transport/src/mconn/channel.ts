import { MessageTooLargeError } from '@p2p/types'
import type { ResolvedChannelDescriptor } from './options.js'
import { channelPayloadSize, writePacketMsg } from './packet-codec.js'
import type { SchedulableChannel } from './send-scheduler.js'

/**
 * Shared empty arrays standing for a queue not allocated yet: every write site swaps in a fresh
 * array first (not frozen, so the hot path sees one kind of array).
 */
const NO_MESSAGES: Array<Uint8Array | undefined> = []
const NO_WAITERS: Array<SendWaiter | undefined> = []

/** A `send()` call waiting for room in a full queue. */
export interface SendWaiter {
  readonly message: Uint8Array
  /** Called once, with true when the message was queued, false when the wait ended. */
  settle(queued: boolean): void
}

/**
 * One multiplexed channel (Go's `Channel`): a bounded FIFO of whole messages to send, the message
 * being cut into packets, and the reassembly buffer of the message being received.
 */
export class Channel implements SchedulableChannel {
  readonly id: number
  readonly priority: number
  readonly sendQueueCapacity: number
  readonly recvMessageCapacity: number
  private readonly recvBufferCapacity: number
  /** Largest payload per packet on this channel. */
  private readonly payloadSize: number

  /** Delimited packet bytes written recently; decays ×0.8 every 2 s. */
  recentlySent = 0
  /** Payload bytes of the packets written on this channel (see `ConnectionStatus`). */
  bytesSent = 0
  /** Payload bytes of the packets accepted on this channel. */
  bytesReceived = 0

  /** Allocated by the first message queued (many connections of a seed never send on most channels). */
  private queue: Array<Uint8Array | undefined> = NO_MESSAGES
  private queueHead = 0
  private waiters: Array<SendWaiter | undefined> = NO_WAITERS
  private waitersHead = 0
  /** The message being cut into packets, and how much of it was sent. */
  private sending: Uint8Array | undefined
  private sendingOffset = 0

  private recving: Uint8Array | undefined
  private recvLength = 0
  /** Size of the last reassembled message: the first allocation for the next one. */
  private recvSizeHint = 0

  constructor(desc: ResolvedChannelDescriptor, maxPacketMsgPayloadSize: number) {
    this.id = desc.id
    this.priority = desc.priority
    this.sendQueueCapacity = desc.sendQueueCapacity
    this.recvMessageCapacity = desc.recvMessageCapacity
    this.recvBufferCapacity = desc.recvBufferCapacity
    this.payloadSize = channelPayloadSize(desc.id, maxPacketMsgPayloadSize)
  }

  private get queued(): number {
    return this.queue.length - this.queueHead
  }

  /** Go's `sendQueueSize`: queued messages plus the one being sent. */
  get sendQueueSize(): number {
    return this.queued + (this.sending === undefined ? 0 : 1)
  }

  get hasWaiters(): boolean {
    return this.waitersHead < this.waiters.length
  }

  /** Queues `message` if there is room (and nobody waits ahead); never waits. */
  tryEnqueue(message: Uint8Array): boolean {
    if (this.queued >= this.sendQueueCapacity || this.hasWaiters) return false
    if (this.queue === NO_MESSAGES) this.queue = []
    this.queue.push(message)
    return true
  }

  /** Parks a `send()` until room frees up; `removeWaiter` cancels it. */
  addWaiter(waiter: SendWaiter): void {
    if (this.waiters === NO_WAITERS) this.waiters = []
    this.waiters.push(waiter)
  }

  removeWaiter(waiter: SendWaiter): void {
    const i = this.waiters.indexOf(waiter, this.waitersHead)
    if (i >= 0) this.waiters.splice(i, 1)
  }

  /** Moves waiting messages into freed queue slots, in arrival order. */
  private admitWaiters(): void {
    while (this.hasWaiters && this.queued < this.sendQueueCapacity) {
      const waiter = this.waiters[this.waitersHead] as SendWaiter
      this.waiters[this.waitersHead++] = undefined
      if (this.queue === NO_MESSAGES) this.queue = []
      this.queue.push(waiter.message)
      waiter.settle(true)
    }
    if (this.waitersHead > 0 && this.waitersHead === this.waiters.length) {
      this.waiters.length = 0
      this.waitersHead = 0
    }
  }

  /**
   * True when a packet is ready to send. Like Go, this pulls the next message off the queue,
   * which frees its slot at once.
   */
  isSendPending(): boolean {
    if (this.sending !== undefined) return true
    if (this.queued === 0) return false
    this.sending = this.queue[this.queueHead] as Uint8Array
    this.queue[this.queueHead++] = undefined
    this.sendingOffset = 0
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0
      this.queueHead = 0
    } else if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.queueHead)
      this.queueHead = 0
    }
    if (this.hasWaiters) this.admitWaiters()
    return true
  }

  /**
   * Writes the next delimited PacketMsg of the pending message into `buf` at `pos` (room for
   * `maxPacketSize + 3` bytes is the caller's job) and returns the position after it. Call only
   * after `isSendPending()` returned true.
   */
  writeNextPacket(buf: Uint8Array, pos: number): number {
    const message = this.sending as Uint8Array
    const start = this.sendingOffset
    const remaining = message.length - start
    const eof = remaining <= this.payloadSize
    const end = eof ? message.length : start + this.payloadSize
    const after = writePacketMsg(buf, pos, this.id, eof, message, start, end)
    if (eof) {
      this.sending = undefined
      this.sendingOffset = 0
    } else {
      this.sendingOffset = end
    }
    this.recentlySent += after - pos
    this.bytesSent += end - start
    return after
  }

  /**
   * Handles a received PacketMsg payload `buf[start, end)`. Returns the whole message when
   * `eof` completes one, else undefined. `copy` says `buf` is reused afterwards, so a message
   * delivered straight from it must be copied. Throws `MessageTooLargeError` past the channel's
   * receive capacity, before buffering anything beyond it.
   */
  receive(buf: Uint8Array, start: number, end: number, eof: boolean, copy: boolean): Uint8Array | undefined {
    const length = end - start
    const total = this.recvLength + length
    if (total > this.recvMessageCapacity) {
      throw new MessageTooLargeError(
        total,
        this.recvMessageCapacity,
        `received message exceeds available capacity: ${this.recvMessageCapacity} < ${total}`
      )
    }
    this.bytesReceived += length
    if (this.recvLength === 0 && eof) {
      // A one-packet message needs no reassembly.
      return copy ? buf.slice(start, end) : buf.subarray(start, end)
    }
    let recving = this.recving
    if (recving === undefined || recving.length < total) {
      const want = recving === undefined ? Math.max(this.recvBufferCapacity, this.recvSizeHint, total) : Math.max(recving.length * 2, total)
      const grown = new Uint8Array(Math.min(want, this.recvMessageCapacity))
      if (recving !== undefined) grown.set(recving.subarray(0, this.recvLength))
      this.recving = recving = grown
    }
    recving.set(length === buf.length ? buf : buf.subarray(start, end), this.recvLength)
    this.recvLength = total
    if (!eof) return undefined
    this.recving = undefined
    this.recvLength = 0
    this.recvSizeHint = total
    // Hand over the buffer itself unless that would pin much more memory than the message.
    return recving.length - total <= total >>> 2 ? recving.subarray(0, total) : recving.slice(0, total)
  }

  /** Removes and returns every waiting `send()` (the caller settles them). */
  clearWaiters(): SendWaiter[] {
    if (this.waiters === NO_WAITERS) return NO_WAITERS as SendWaiter[]
    const waiters = this.waiters.slice(this.waitersHead) as SendWaiter[]
    this.waiters = NO_WAITERS
    this.waitersHead = 0
    return waiters
  }

  /** Drops queued messages and the partial message being received. */
  clear(): void {
    this.queue = NO_MESSAGES
    this.queueHead = 0
    this.sending = undefined
    this.recving = undefined
    this.recvLength = 0
  }
}
