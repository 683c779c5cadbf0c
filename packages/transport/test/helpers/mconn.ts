import { afterEach, vi } from 'vitest'
import type { MConnection } from '../../src/mconn/mconnection.js'

/**
 * The list to push a test file's connections on: after each test the real timers come back (a
 * test may have faked them) and every connection on the list is closed.
 */
export function closedAfterEach(): MConnection[] {
  const open: MConnection[] = []
  afterEach(async () => {
    vi.useRealTimers()
    await Promise.all(open.splice(0).map((c) => c.close()))
  })
  return open
}

/** Resolves once `cond` holds, polling every 2 ms; throws after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}
