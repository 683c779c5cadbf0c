import { describe, expect, it } from 'vitest'
import { ConnSet } from '../src/tcp/conn-set.js'
import { runConnFilters } from '../src/tcp/conn-filters.js'

const conn = { remoteIp: '10.0.0.1', remotePort: 4000, outbound: false }

describe('connection filters', () => {
  it('accepts when every filter accepts', async () => {
    await expect(runConnFilters([() => {}, async () => {}], conn, { timeoutMs: 1000 })).resolves.toBeUndefined()
  })

  it('rejects with RejectedError(filtered) naming the connection and the cause', async () => {
    const err = await runConnFilters([() => {}, () => { throw new Error('not today') }], conn, { timeoutMs: 1000 }).catch((e) => e)
    expect(err).toMatchObject({ name: 'RejectedError', reason: 'filtered', addr: '10.0.0.1:4000' })
    expect(err.message).toBe('filtered CONN<10.0.0.1:4000>: not today')
  })

  it('times out a filter that never answers, and tells it to stop', async () => {
    let sawAbort = false
    const hang = (_c: unknown, { signal }: { signal: AbortSignal }) =>
      new Promise<void>(() => signal.addEventListener('abort', () => { sawAbort = true }))
    const err = await runConnFilters([hang], conn, { timeoutMs: 20 }).catch((e) => e)
    expect(err).toMatchObject({ name: 'TimeoutError', phase: 'filter', message: 'filter timed out' })
    expect(sawAbort).toBe(true)
  })

  it('stops when the caller aborts', async () => {
    const ac = new AbortController()
    const p = runConnFilters([() => new Promise<void>(() => {})], conn, { timeoutMs: 10_000, signal: ac.signal })
    ac.abort()
    await expect(p).rejects.toMatchObject({ name: 'AbortError' })
    await expect(runConnFilters([], conn, { timeoutMs: 10, signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('ConnSet tracks addresses and their IPs', () => {
    const set = new ConnSet()
    set.set('10.0.0.1:4000', ['10.0.0.1'])
    expect(set.has('10.0.0.1:4000')).toBe(true)
    expect(set.hasIp('10.0.0.1')).toBe(true)
    expect(set.hasIp('10.0.0.2')).toBe(false)
    set.delete('10.0.0.1:4000')
    expect(set.hasIp('10.0.0.1')).toBe(false)
    expect(set.has('10.0.0.1:4000')).toBe(false)
  })
})
