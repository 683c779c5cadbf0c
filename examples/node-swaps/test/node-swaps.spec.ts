import { describe, expect, it } from 'vitest'
import { main as customReactor } from '../custom-reactor.js'
import { main as swapAddrBook } from '../swap-addrbook.js'
import { main as swapDialStrategy } from '../swap-dial-strategy.js'

describe('examples/node-swaps', () => {
  it('a node with the echo reactor answers a ping from another', async () => {
    const lines: string[] = []
    expect(await customReactor((l) => lines.push(l))).toBe(0)
    expect(lines[0]).toMatch(/^b → a echo: "hello a" in [\d.]+ ms; channels of b: 0x0, 0x7e$/)
  })

  it('a node with the simple address book learns an address through PEX and dials it', async () => {
    const lines: string[] = []
    expect(await swapAddrBook((l) => lines.push(l))).toBe(0)
    expect(lines[0]).toMatch(/b's simple book holds \d+ addresses: .*; b is connected to a/)
  })

  it('a node with the fixed-list strategy dials exactly its list', async () => {
    const lines: string[] = []
    expect(await swapDialStrategy((l) => lines.push(l))).toBe(0)
    expect(lines[0]).toMatch(/^c dialled its fixed list: (a|b) \(outbound\), (a|b) \(outbound\)$/)
  })
})
