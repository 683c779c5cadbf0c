import type { Logger } from '@p2p/types'

/**
 * The promises a manager starts and does not await (dials, seed follow-ups, persistent-peer
 * loops): a failure is logged, never unhandled, and `drain()` waits for all of them at stop,
 * those started while it waits included.
 */
export class BackgroundTasks {
  private readonly running = new Set<Promise<unknown>>()

  constructor(private readonly log: Logger) {}

  add(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => {
      if ((err as Error).name !== 'AbortError') this.log.trace('background task: %s', (err as Error).message)
    })
    this.running.add(tracked)
    void tracked.finally(() => this.running.delete(tracked))
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }
}
