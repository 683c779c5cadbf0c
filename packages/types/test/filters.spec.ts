import { describe, expect, it } from 'vitest'
import { combinePeerFilters, isPromiseLike, type NodeID, type PeerFilter, type RawConnInfo } from '../src/index.js'

const remote: RawConnInfo = { remoteIp: '127.0.0.1', remotePort: 1, outbound: false }

/** A filter stage that records its name in `asked` and answers `answer`. */
function recording(asked: string[], name: string, answer: boolean): () => boolean {
  return () => {
    asked.push(name)
    return answer
  }
}

describe('combinePeerFilters', () => {
  it('answers synchronously while every filter asked answers synchronously', () => {
    const f = combinePeerFilters({ denyInboundConnection: () => false }, { denyInboundConnection: (r) => r.remotePort === 2 })
    expect(f.denyInboundConnection?.(remote)).toBe(false)
    expect(f.denyInboundConnection?.({ ...remote, remotePort: 2 })).toBe(true)
    // A stage no filter has is a synchronous "no".
    expect(f.denyOutboundConnection?.({ id: 'a'.repeat(40) as NodeID, ip: '1.2.3.4', port: 1 })).toBe(false)
  })

  it('stops at the first refusal: later filters are not asked', () => {
    const asked: string[] = []
    const f = combinePeerFilters(
      { denyInboundConnection: recording(asked, 'a', true) },
      { denyInboundConnection: recording(asked, 'b', false) }
    )
    expect(f.denyInboundConnection?.(remote)).toBe(true)
    expect(asked).toEqual(['a'])
  })

  it('turns asynchronous at the first pending answer and asks the rest in order after it', async () => {
    const asked: string[] = []
    const filters: PeerFilter[] = [
      { denyInboundConnection: recording(asked, 'sync', false) },
      { denyInboundConnection: async () => recording(asked, 'async', false)() },
      { denyInboundConnection: recording(asked, 'last', true) }
    ]
    const answer = combinePeerFilters(...filters).denyInboundConnection?.(remote)
    expect(isPromiseLike(answer)).toBe(true)
    expect(await answer).toBe(true)
    expect(asked).toEqual(['sync', 'async', 'last'])
    const refusedLate = combinePeerFilters({ denyInboundConnection: async () => true }, { denyInboundConnection: recording(asked, 'never', false) })
    expect(await refusedLate.denyInboundConnection?.(remote)).toBe(true)
    expect(asked).not.toContain('never')
  })

  it('a synchronous throw is thrown at once, an asynchronous one rejects', async () => {
    const sync = combinePeerFilters({
      denyInboundConnection: () => {
        throw new Error('bug')
      }
    })
    expect(() => sync.denyInboundConnection?.(remote)).toThrow('bug')
    const late = combinePeerFilters({ denyInboundConnection: async () => false }, { denyInboundConnection: () => Promise.reject(new Error('late bug')) })
    await expect(late.denyInboundConnection?.(remote)).rejects.toThrow('late bug')
  })
})

describe('isPromiseLike', () => {
  it('is true for promises and thenables only', () => {
    expect(isPromiseLike(Promise.resolve(true))).toBe(true)
    // A thenable that is not a Promise (a filter may return one from another library).
    const thenable = Object.defineProperty({}, 'then', { value: () => {} })
    expect(isPromiseLike(thenable)).toBe(true)
    const notCallable = Object.defineProperty({}, 'then', { value: 1 })
    for (const v of [true, false, undefined, null, 0, {}, notCallable]) expect(isPromiseLike(v)).toBe(false)
  })
})
