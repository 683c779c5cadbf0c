import type { Socket } from 'node:net'
import { RejectedError } from '@p2p/types'
import { ConnAbort } from '../util/conn-abort.js'

/** One inbound connection between `accept(2)` and the consumer taking it from the queue. */
export interface InboundSlot {
  readonly socket: Socket
  readonly ip: string
  /** The connection's abort handle: aborted on eviction (with a `RejectedError`) or stop. */
  readonly abort: ConnAbort
  readonly since: number
  /** The first handshake bytes arrived. */
  gotBytes: boolean
  /** The upgrade finished; the connection waits in the accept queue and cannot be evicted. */
  upgraded: boolean
}

export interface InboundSlotsInit {
  /** Slots in all (`maxPendingInbound`). */
  max: number
  /** Slots one IP may hold. */
  maxPerIp: number
  /** A handshaking connection older than this counts as stalled (also the first-bytes deadline). */
  stallMs: number
  now?: () => number
}

/**
 * The bounded set of half-open inbound connections. A new socket gets a slot unless its IP holds
 * `maxPerIp` already; when all `max` are taken it evicts the oldest stalled one (no byte yet, or
 * handshaking for longer than `stallMs`) instead of refusing the newcomer, so a flood of silent
 * sockets keeps recycling its own slots while honest peers, which speak at once and finish in
 * milliseconds, get through. Only when every slot holds a live handshake or an upgraded
 * connection waiting for `accept()` is the newcomer refused.
 */
export class InboundSlots {
  readonly #init: InboundSlotsInit
  readonly #now: () => number
  /** In arrival order: the first stalled entry is the oldest. */
  readonly #slots = new Set<InboundSlot>()
  readonly #perIp = new Map<string, number>()

  constructor(init: InboundSlotsInit) {
    this.#init = init
    this.#now = init.now ?? (() => performance.now())
  }

  get size(): number {
    return this.#slots.size
  }

  /** A slot for `socket`, or the `RejectedError` refusing it. May evict (abort + destroy) another. */
  admit(socket: Socket, ip: string): InboundSlot | RejectedError {
    const { max, maxPerIp } = this.#init
    if ((this.#perIp.get(ip) ?? 0) >= maxPerIp) {
      return new RejectedError('too-many-handshakes', `too many pending inbound connections from ${ip} (${maxPerIp})`, { addr: ip })
    }
    if (this.#slots.size >= max) {
      const victim = this.#oldestStalled()
      if (victim === undefined) {
        return new RejectedError('too-many-handshakes', `too many pending inbound connections (${max})`, { addr: ip })
      }
      this.release(victim)
      victim.abort.abort(
        new RejectedError('too-many-handshakes', `evicted a stalled half-open connection from ${victim.ip} for a new one`, { addr: victim.ip })
      )
      victim.socket.destroy()
    }
    const slot: InboundSlot = { socket, ip, abort: new ConnAbort(), since: this.#now(), gotBytes: false, upgraded: false }
    this.#slots.add(slot)
    this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1)
    return slot
  }

  /** Frees `slot`; idempotent. */
  release(slot: InboundSlot): void {
    if (!this.#slots.delete(slot)) return
    const n = (this.#perIp.get(slot.ip) ?? 1) - 1
    if (n <= 0) this.#perIp.delete(slot.ip)
    else this.#perIp.set(slot.ip, n)
  }

  /** Aborts every pending connection (the transport is stopping). */
  abortAll(): void {
    for (const slot of this.#slots) slot.abort.abort()
    this.#slots.clear()
    this.#perIp.clear()
  }

  #oldestStalled(): InboundSlot | undefined {
    const cutoff = this.#now() - this.#init.stallMs
    for (const slot of this.#slots) {
      if (!slot.upgraded && (!slot.gotBytes || slot.since <= cutoff)) return slot
    }
    return undefined
  }
}
