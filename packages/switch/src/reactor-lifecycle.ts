import { type Logger, type Reactor, TimeoutError } from '@p2p/types'
import { settlesWithin } from './deadline.js'
import { typedReason } from './log-line.js'
import { asError, isThenable } from './util.js'

/**
 * Runs a reactor's `start` or `stop`; an async one is awaited at most `timeoutMs`, then rejects
 * with `TimeoutError(phase)` (its late outcome is ignored). Sync throws propagate.
 */
async function runPhase(r: Reactor, phase: 'reactor-start' | 'reactor-stop', timeoutMs: number): Promise<void> {
  const res: unknown = phase === 'reactor-start' ? r.start?.() : r.stop?.()
  if (!isThenable(res)) return
  if (!(await settlesWithin(res, timeoutMs))) {
    throw new TimeoutError(phase, timeoutMs, `reactor ${r.name} did not ${phase === 'reactor-start' ? 'start' : 'stop'} within ${timeoutMs} ms`)
  }
}

/** Stops one reactor, bounded; a failure or a hang is logged, never thrown (the rest still stop). */
export async function stopReactor(r: Reactor, timeoutMs: number, log: Logger): Promise<void> {
  try {
    await runPhase(r, 'reactor-stop', timeoutMs)
  } catch (err) {
    log.error('reactor %s failed to stop: %s', r.name, typedReason(asError(err)))
  }
}

/**
 * Starts `reactors` in order, each bounded by `timeoutMs`. When one fails (or runs out of time),
 * the ones started are stopped in reverse order, the late one too (it may have half started),
 * and the error is rethrown.
 */
export async function startReactors(reactors: readonly Reactor[], timeoutMs: number, log: Logger): Promise<void> {
  const started: Reactor[] = []
  try {
    for (const r of reactors) {
      try {
        await runPhase(r, 'reactor-start', timeoutMs)
      } catch (err) {
        if (err instanceof TimeoutError) started.push(r)
        throw err
      }
      started.push(r)
    }
  } catch (err) {
    for (const r of started.reverse()) await stopReactor(r, timeoutMs, log)
    throw err
  }
}
