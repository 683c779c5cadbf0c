import suite from '@p2p/compliance-tests/dial-strategy'
import { describe, expect, it } from 'vitest'
import { fixedListStrategy } from '../fixed-list-strategy.js'
import { main } from '../main.js'

// The same suite @p2p/peer-manager's default strategy runs: passing it is what "replaceable" means.
suite({
  async setup(args) {
    return fixedListStrategy(args?.candidates ?? [])
  },
  async teardown() {}
})

describe('fixed-list strategy in a peer manager', () => {
  it('the runnable example swaps it in and connects to the first two addresses of the list', async () => {
    const lines: string[] = []
    expect(await main((l) => lines.push(l))).toBe(2)
    expect(lines).toEqual([
      `connected to ${'1'.repeat(40)}@127.0.0.1:26656`,
      `connected to ${'2'.repeat(40)}@127.0.0.2:26656`
    ])
  })
})
