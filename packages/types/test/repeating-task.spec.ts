import { afterEach, describe, expect, it, vi } from 'vitest'
import { repeatingTask } from '../src/index.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('repeatingTask', () => {
  it('runs every interval until the signal aborts, then leaves no timer', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    let runs = 0
    const task = repeatingTask(() => { runs++ }, { intervalMs: 100, signal: controller.signal })
    await vi.advanceTimersByTimeAsync(350)
    expect(runs).toBe(3)
    controller.abort()
    expect(vi.getTimerCount()).toBe(0)
    await task.done
    await vi.advanceTimersByTimeAsync(1000)
    expect(runs).toBe(3)
  })

  it('never overlaps a slow async run, reports errors but keeps going', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const errors: unknown[] = []
    let active = 0
    let most = 0
    let runs = 0
    repeatingTask(
      async () => {
        runs++
        active++
        most = Math.max(most, active)
        await new Promise((r) => setTimeout(r, 250))
        active--
        if (runs === 1) throw new Error('boom')
      },
      { intervalMs: 100, firstDelayMs: 0, signal: controller.signal, onError: (e) => errors.push(e) }
    )
    await vi.advanceTimersByTimeAsync(1000)
    controller.abort()
    expect(most).toBe(1)
    expect(runs).toBeGreaterThanOrEqual(3)
    expect(errors).toHaveLength(1)
  })
})
