import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '@p2p/config'
import { initHome, loadHome, readChainId } from '@p2p/node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { rejection, tempDir } from './helpers.js'

let dir = ''
let cleanup = async (): Promise<void> => {}
beforeEach(async () => {
  ;({ dir, cleanup } = await tempDir())
})
afterEach(() => cleanup())

describe('initHome', () => {
  it('writes a commented config.toml that reads back to the same settings, a node key and a genesis', async () => {
    const home = join(dir, 'h')
    const r = await initHome(home, { chainId: 'c-1', config: { moniker: 'alice', seeds: ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@1.2.3.4:26656'], flushThrottleTimeoutMs: 10 } })
    expect(r.created.map((f) => f.slice(home.length + 1))).toEqual(['config/config.toml', 'config/node_key.json', 'config/genesis.json'])
    const toml = await readFile(join(home, 'config', 'config.toml'), 'utf8')
    expect(toml).toContain('# Comma separated list of seed nodes to connect to')
    const cfg = await loadConfig(join(home, 'config', 'config.toml'))
    expect(cfg).toMatchObject({ moniker: 'alice', seeds: ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@1.2.3.4:26656'], flushThrottleTimeoutMs: 10, nodeKeyFile: join(home, 'config', 'node_key.json') })
    expect(await readChainId(join(home, 'config', 'genesis.json'))).toBe('c-1')
    const loaded = await loadHome(home)
    expect(loaded.nodeKey.id).toBe(r.nodeKey.id)
    expect(loaded.chainId).toBe('c-1')
    expect(loaded.generatedKey).toBe(false)
  })

  it('never overwrites existing files (a Go node\'s home), and refuses a corrupt key without replacing it', async () => {
    const home = join(dir, 'h')
    const first = await initHome(home, { chainId: 'c-1' })
    await writeFile(join(home, 'config', 'config.toml'), 'moniker = "go-node"\n')
    const second = await initHome(home, { chainId: 'c-2', config: { moniker: 'other' } })
    expect(second.created).toEqual([])
    expect(second.nodeKey.id).toBe(first.nodeKey.id)
    expect(await readFile(join(home, 'config', 'config.toml'), 'utf8')).toBe('moniker = "go-node"\n')
    expect(await readChainId(join(home, 'config', 'genesis.json'))).toBe('c-1')

    await writeFile(join(home, 'config', 'node_key.json'), '{"priv_key":')
    const err = await rejection(initHome(home))
    expect(err.name).toBe('CorruptFileError')
    expect(await readFile(join(home, 'config', 'node_key.json'), 'utf8')).toBe('{"priv_key":')
  })
})

describe('loadHome', () => {
  it('names the missing home, the missing config.toml and the bad key', async () => {
    const missing = await rejection(loadHome(join(dir, 'nope')))
    expect(missing).toMatchObject({ name: 'ConfigError', key: '--home' })
    expect(missing.message).toContain(join(dir, 'nope'))

    const home = join(dir, 'h')
    await initHome(home)
    await writeFile(join(home, 'config', 'config.toml'), '[p2p]\nmax_num_inbound_peers = -1\n')
    const bad = await rejection(loadHome(home))
    expect(bad).toMatchObject({ name: 'ConfigError', key: 'p2p.max_num_inbound_peers' })
    expect(bad.message).toContain('config.toml')

    await writeFile(join(home, 'config', 'config.toml'), '[p2p\n')
    expect(await rejection(loadHome(home))).toMatchObject({ name: 'ConfigError' })
  })

  it('generates a missing node key, as Go does at start', async () => {
    const home = join(dir, 'h')
    await initHome(home)
    const { rm } = await import('node:fs/promises')
    await rm(join(home, 'config', 'node_key.json'))
    const loaded = await loadHome(home)
    expect(loaded.generatedKey).toBe(true)
    expect((await loadHome(home)).nodeKey.id).toBe(loaded.nodeKey.id)
  })
})

describe('readChainId', () => {
  it('reads chain_id from a Go genesis, and says when there is none', async () => {
    const f = join(dir, 'genesis.json')
    await writeFile(f, '{\n  "genesis_time": "2023-01-01T00:00:00Z",\n  "chain_id": "cosmoshub-4",\n  "initial_height": "1"\n}')
    expect(await readChainId(f)).toBe('cosmoshub-4')
    expect(await readChainId(join(dir, 'none.json'))).toBeUndefined()
    await writeFile(f, '{}')
    expect(await rejection(readChainId(f))).toMatchObject({ name: 'CorruptFileError' })
  })
})
