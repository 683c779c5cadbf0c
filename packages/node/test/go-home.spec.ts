import { cp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNode } from '@p2p/node'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'

// A home as Go's `cometbft init` lays it out (v0.34 default config.toml, node_key.json from Go's
// vectors, a Go genesis): the node takes it over without changing a byte of Go's files.
const fixture = fileURLToPath(new URL('./fixtures/go-home', import.meta.url))
const GO_NODE_ID = '64ce97c3efc4217d97d6bcbd47e9614dc144d611'

let cleanup = async (): Promise<void> => {}
afterEach(() => cleanup())

describe('a Go node home', () => {
  it('is read as it is: Go node ID, moniker and chain ID; only addrbook.json is written', async () => {
    const t = await tempDir()
    cleanup = t.cleanup
    const home = join(t.dir, 'go-home')
    await cp(fixture, home, { recursive: true })
    const before = await Promise.all(['config.toml', 'node_key.json', 'genesis.json'].map((f) => readFile(join(home, 'config', f), 'utf8')))
    // its laddr is 0.0.0.0:26656; a test must not take that port
    const node = await createNode({ home, config: { listenAddress: 'tcp://127.0.0.1:0', addrBookStrict: false } })
    expect(node.id).toBe(GO_NODE_ID)
    expect(node.nodeInfo()).toMatchObject({ id: GO_NODE_ID, moniker: 'node-0', network: 'test-chain-QHvhCm', version: '0.34.35' })
    expect(node.config.addrBookFile).toBe(join(home, 'config', 'addrbook.json'))
    expect(node.inits.switch.maxInboundPeers).toBe(40)
    await node.start()
    await node.stop()
    const after = await Promise.all(['config.toml', 'node_key.json', 'genesis.json'].map((f) => readFile(join(home, 'config', f), 'utf8')))
    expect(after).toEqual(before)
    const book = JSON.parse(await readFile(join(home, 'config', 'addrbook.json'), 'utf8')) as { key: string }
    expect(book.key).toMatch(/^[0-9a-f]{24}$/)
  })
})
