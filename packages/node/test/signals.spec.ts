import { watchShutdown } from '../src/cli/signals.js'
import { describe, expect, it } from 'vitest'

describe('watchShutdown', () => {
  it('first SIGTERM asks for a graceful stop, a second exits at once with 143; SIGINT twice gives 130', () => {
    for (const [sig, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130]
    ] as const) {
      const exits: number[] = []
      const seen: string[] = []
      const w = watchShutdown({ exit: (c) => void exits.push(c), onSignal: (n, first) => void seen.push(`${n}:${first}`) })
      try {
        process.emit(sig, sig)
        expect(w.signal.aborted).toBe(true)
        expect(w.signal.reason).toBe(sig)
        expect(exits).toEqual([])
        process.emit(sig, sig)
        expect(exits).toEqual([code])
        expect(seen).toEqual([`${sig}:true`, `${sig}:false`])
      } finally {
        w.dispose()
      }
      expect(process.listenerCount(sig)).toBe(0)
    }
  })
})
