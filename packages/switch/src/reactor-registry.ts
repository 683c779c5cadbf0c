import { type ChannelDescriptor, InvalidArgumentError, type Reactor } from '@p2p/types'

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

export function hex(id: number): string {
  return `0x${id.toString(16).padStart(2, '0')}`
}
