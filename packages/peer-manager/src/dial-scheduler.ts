import { AbortError, AlreadyConnectedError, DialSkippedError, type NetAddress, type NodeID, type Peer, netAddressString } from '@p2p/types'

export interface DialSchedulerOptions {
  /** Dials in flight at once, over every caller. */
  maxInFlight: number
  /** Dials waiting for a free slot; one more is refused with `DialSkippedError` `queue-full`. */
  maxQueued: number
}

interface InFlight {
  readonly addr: NetAddress
  readonly controller: AbortController
  /** Counts against the outbound target (not an unconditional peer, not a crawl). */
  readonly counted: boolean
  readonly done: Promise<unknown>
}

interface Waiter {
  resolve(): void
  reject(err: Error): void
}

/**
 * Runs dials with a global cap, one per node ID, each with its own `AbortController` linked to
 * the scheduler's and the caller's signals. `stop()` aborts every dial and waiter and waits for
 * them, so nothing is left running.
 */
export class DialScheduler {
  private readonly inFlight = new Map<NodeID, InFlight>()
  private readonly queue: Waiter[] = []
  private readonly controller = new AbortController()

  constructor(private readonly o: DialSchedulerOptions) {}

  get size(): number {
    return this.inFlight.size
  }

  /** Dials in flight that count against the outbound target. */
  get counted(): number {
    let n = 0
    for (const d of this.inFlight.values()) if (d.counted) n++
    return n
  }

  /** Free slots now. */
  get free(): number {
    return Math.max(0, this.o.maxInFlight - this.inFlight.size)
  }

  isDialing(id: NodeID): boolean {
    return this.inFlight.has(id)
  }

  addresses(filter: (counted: boolean) => boolean = () => true): NetAddress[] {
    return [...this.inFlight.values()].filter((d) => filter(d.counted)).map((d) => d.addr)
  }

  /**
   * Runs `dial(addr, signal)` when a slot is free. Rejects with `AlreadyConnectedError` when a
   * dial to `addr.id` is in flight, `DialSkippedError` (`queue-full`, `stopped`), or `AbortError`.
   */
  async run(
    addr: NetAddress,
    dial: (signal: AbortSignal) => Promise<Peer>,
    options: { signal?: AbortSignal | undefined; counted: boolean; wait: boolean }
  ): Promise<Peer> {
    if (this.controller.signal.aborted) throw new DialSkippedError('stopped', netAddressString(addr))
    options.signal?.throwIfAborted()
    if (this.inFlight.has(addr.id)) throw new AlreadyConnectedError(addr.id, 'dialing')
    if (this.inFlight.size >= this.o.maxInFlight) {
      if (!options.wait || this.queue.length >= this.o.maxQueued) throw new DialSkippedError('queue-full', netAddressString(addr))
      // another caller may take the freed slot before this one resumes: check again
      while (this.inFlight.size >= this.o.maxInFlight) await this.waitForSlot(options.signal)
      if (this.inFlight.has(addr.id)) throw new AlreadyConnectedError(addr.id, 'dialing')
    }
    const controller = new AbortController()
    const signals = [this.controller.signal, controller.signal]
    if (options.signal !== undefined) signals.push(options.signal)
    const signal = AbortSignal.any(signals)
    const done = (async () => await dial(signal))()
    this.inFlight.set(addr.id, { addr, controller, counted: options.counted, done: done.catch(() => {}) })
    try {
      return await done
    } finally {
      this.inFlight.delete(addr.id)
      this.queue.shift()?.resolve()
    }
  }

  /** Aborts the dial to `id`, if one is in flight. */
  cancel(id: NodeID): void {
    this.inFlight.get(id)?.controller.abort()
  }

  /** Aborts every dial and waiter, and waits until every dial has settled. */
  async stop(): Promise<void> {
    this.controller.abort()
    for (const w of this.queue.splice(0)) w.reject(new DialSkippedError('stopped', ''))
    await Promise.all([...this.inFlight.values()].map((d) => d.done))
  }

  private waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.queue.indexOf(waiter)
        if (i >= 0) this.queue.splice(i, 1)
        reject(new AbortError())
      }
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort)
          reject(err)
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.queue.push(waiter)
    })
  }
}
