import { type ChannelDescriptor, type Envelope, NotStartedError, type Peer, type Reactor, type SwitchFacade } from '@p2p/types'

/**
 * The boilerplate of a reactor: holds the switch facade it is attached to and an
 * `AbortSignal` for its own timers, aborted at `stop`. A subclass names itself, lists its
 * channels and handles `receive`; the peer hooks are optional overrides.
 *
 * @example
 * ```ts
 * class Echo extends BaseReactor {
 *   readonly name = 'echo'
 *   channels() { return [{ id: 0x7e, priority: 1 }] }
 *   receive({ src, channelId, message }: Envelope) { src.trySend(channelId, message) }
 * }
 * ```
 */
export abstract class BaseReactor implements Reactor {
  abstract readonly name: string
  #sw: SwitchFacade | undefined
  #controller: AbortController | undefined

  abstract channels(): ChannelDescriptor[]

  /** Must not block or await: queue slow work. Throwing stops the peer with the error. */
  abstract receive(envelope: Envelope): void

  attach(sw: SwitchFacade): void {
    this.#sw = sw
  }

  /** The switch facade; throws `NotStartedError` before `attach`. */
  protected get switch(): SwitchFacade {
    if (this.#sw === undefined) throw new NotStartedError(`reactor ${this.name} is not attached to a switch`)
    return this.#sw
  }

  /** Aborted when the reactor stops; tie timers and waits to it. Throws before `start`. */
  protected get signal(): AbortSignal {
    if (this.#controller === undefined) throw new NotStartedError(`reactor ${this.name} is not started`)
    return this.#controller.signal
  }

  get isRunning(): boolean {
    return this.#controller !== undefined && !this.#controller.signal.aborted
  }

  async start(): Promise<void> {
    if (this.isRunning) return
    this.#controller = new AbortController()
    await this.onStart()
  }

  async stop(): Promise<void> {
    if (!this.isRunning) return
    this.#controller?.abort()
    await this.onStop()
  }

  /** Override to start timers (use `this.signal`). */
  protected onStart(): void | Promise<void> {}

  /** Override to release what `onStart` made; `this.signal` is already aborted. */
  protected onStop(): void | Promise<void> {}

  initPeer(_peer: Peer): void {}

  addPeer(_peer: Peer): void {}

  removePeer(_peer: Peer, _reason: Error | undefined): void {}
}
