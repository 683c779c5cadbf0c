import type { PeerConnection } from '@p2p/types'

interface Entry {
  conn: PeerConnection
  /** Called once, when the entry leaves the queue (taken, or dropped by `end`). */
  onLeave: () => void
}

/**
 * Upgraded inbound connections waiting for `accept()`. Bounded by the transport, which counts
 * an entry as pending until `onLeave` fires.
 */
export class AcceptQueue {
  readonly #items: Entry[] = []
  #waiters: Array<(entry: Entry | undefined) => void> = []
  #ended = false

  get length(): number {
    return this.#items.length
  }

  push(conn: PeerConnection, onLeave: () => void = () => {}): void {
    const entry = { conn, onLeave }
    const waiter = this.#waiters.shift()
    if (waiter !== undefined) waiter(entry)
    else this.#items.push(entry)
  }

  /** Ends every iterator; returns the connections nobody took, for the caller to close. */
  end(): PeerConnection[] {
    this.#ended = true
    for (const w of this.#waiters) w(undefined)
    this.#waiters = []
    const left = this.#items.splice(0)
    for (const e of left) e.onLeave()
    return left.map((e) => e.conn)
  }

  async *iterate(signal?: AbortSignal): AsyncGenerator<PeerConnection> {
    while (!this.#ended && signal?.aborted !== true) {
      const next = this.#items.shift() ?? (await this.#wait(signal))
      if (next === undefined) return
      next.onLeave()
      yield next.conn
    }
  }

  #wait(signal?: AbortSignal): Promise<Entry | undefined> {
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        resolve(undefined)
      }
      const waiter = (entry: Entry | undefined): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve(entry)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }
}
