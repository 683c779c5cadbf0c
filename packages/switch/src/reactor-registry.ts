import { type ChannelDescriptor, InvalidArgumentError, type Logger, type Peer, ProtocolError, type Reactor } from '@p2p/types'
import type { SwitchMetrics } from './metrics.js'
import type { SwitchPeer } from './peer.js'
import { asError } from './util.js'

/**
 * The reactors of a switch and who owns which channel. A channel claimed twice, or outside
 * 0..255, is a caller error (Go panics; we throw `InvalidArgumentError` and change nothing).
 */
export class ReactorRegistry {
  readonly #byName = new Map<string, Reactor>()
  /** Indexed by channel ID: O(1) dispatch on the receive path. */
  readonly #byChannel: Array<Reactor | undefined> = new Array(256).fill(undefined)
  readonly #descriptors = new Map<number, ChannelDescriptor>()

  add(reactor: Reactor): void {
    if (typeof reactor.name !== 'string' || reactor.name === '') throw new InvalidArgumentError('a reactor needs a name')
    if (this.#byName.has(reactor.name)) throw new InvalidArgumentError(`a reactor named ${reactor.name} is already added`)
    const channels = reactor.channels()
    const seen = new Set<number>()
    for (const ch of channels) {
      if (!Number.isInteger(ch.id) || ch.id < 0 || ch.id > 255) {
        throw new InvalidArgumentError(`reactor ${reactor.name}: channel ${String(ch.id)} is not a byte (0..255)`)
      }
      if (!(ch.priority > 0)) throw new InvalidArgumentError(`reactor ${reactor.name}: channel ${hex(ch.id)} needs a priority > 0`)
      const owner = this.#byChannel[ch.id]
      if (owner !== undefined || seen.has(ch.id)) {
        throw new InvalidArgumentError(`channel ${hex(ch.id)} has multiple reactors: ${owner?.name ?? reactor.name} and ${reactor.name}`)
      }
      seen.add(ch.id)
    }
    for (const ch of channels) {
      this.#byChannel[ch.id] = reactor
      this.#descriptors.set(ch.id, ch)
    }
    this.#byName.set(reactor.name, reactor)
  }

  remove(name: string): Reactor {
    const reactor = this.#byName.get(name)
    if (reactor === undefined) throw new InvalidArgumentError(`no reactor named ${name}`)
    for (let id = 0; id < 256; id++) {
      if (this.#byChannel[id] === reactor) {
        this.#byChannel[id] = undefined
        this.#descriptors.delete(id)
      }
    }
    this.#byName.delete(name)
    return reactor
  }

  get(name: string): Reactor | undefined {
    return this.#byName.get(name)
  }

  /** The owner of `channelId`, if any. */
  forChannel(channelId: number): Reactor | undefined {
    return this.#byChannel[channelId]
  }

  list(): Reactor[] {
    return [...this.#byName.values()]
  }

  /** Every claimed channel, in ascending ID order (what the connection is started with). */
  descriptors(): ChannelDescriptor[] {
    return [...this.#descriptors.values()].sort((a, b) => a.id - b.id)
  }
}

/** What handing a peer's message to its reactor needs from the switch. */
export interface DispatchContext {
  readonly registry: ReactorRegistry
  readonly metrics: SwitchMetrics | undefined
  readonly log: Logger
  stopPeer(peer: Peer, reason: Error | undefined): void
}

/**
 * Hands a message from `peer` to the reactor owning its channel, synchronously: no event and no
 * await per message on the receive path. A channel no reactor owns, or a reactor that throws,
 * stops the peer.
 */
export function dispatchMessage(ctx: DispatchContext, peer: SwitchPeer, channelId: number, message: Uint8Array): void {
  if (peer.stopped) return
  const reactor = ctx.registry.forChannel(channelId)
  if (reactor === undefined) {
    ctx.stopPeer(peer, new ProtocolError(`message on channel ${hex(channelId)} that no reactor owns`))
    return
  }
  ctx.metrics?.received(peer.id, channelId, message.length, message)
  try {
    reactor.receive({ channelId, src: peer, message })
  } catch (err) {
    ctx.log.error('reactor %s failed on a message from %s: %s', reactor.name, peer.id, asError(err).message)
    ctx.stopPeer(peer, asError(err))
  }
}

export function hex(id: number): string {
  return `0x${id.toString(16).padStart(2, '0')}`
}
