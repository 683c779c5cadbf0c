import { describe, expect, it } from 'vitest'
import { AbortError, AddrBookError, withoutStack } from '../src/index.js'

describe('withoutStack', () => {
  it('builds the error with its class, fields and cause, and a stack of one line', () => {
    const cause = new Error('why')
    const err = withoutStack(() => new AddrBookError('invalid', 'Cannot add invalid address x', { cause }))
    expect(err).toBeInstanceOf(AddrBookError)
    expect(err).toMatchObject({ name: 'AddrBookError', reason: 'invalid', message: 'Cannot add invalid address x' })
    expect(err.cause).toBe(cause)
    expect(err.stack?.split('\n')).toHaveLength(1)
    // The usual depth is back afterwards, even when building the error throws.
    expect(new AbortError().stack?.split('\n').length).toBeGreaterThan(1)
    expect(() =>
      withoutStack(() => {
        throw new Error('boom')
      })
    ).toThrow('boom')
    expect(new AbortError().stack?.split('\n').length).toBeGreaterThan(1)
  })
})
