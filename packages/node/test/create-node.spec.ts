import { readdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { addrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { createNode, type CreateNodeOptions, initHome } from '@p2p/node'
import { tcpTransport } from '@p2p/transport'
import type { AddrBook, BanList, DialStrategy, Transport } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { RecordingSwitch, recordingPeerManager, recordingReactor, rejection, tempDir } from './helpers.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

/** Options with every layer given: real transport and book, recording switch/peer manager/PEX. */
function composed(log: string[], extra: Partial<CreateNodeOptions> = {}): CreateNodeOptions {
  return {
    nodeKey: generateNodeKey(),
    network: 'test-chain',
    config: { listenAddress: 'tcp://127.0.0.1:0', moniker: 'alice' },
    transport: (c) => {
      const t = tcpTransport({ listen: '127.0.0.1:0' })(c)
      return Object.assign(Object.create(t) as Transport, {
        start: async () => {
          log.push('transport start')
          await t.start()
        },
        stop: async () => {
          log.push('transport stop')
          await t.stop()
        },
        listenAddress: () => t.listenAddress()
      })
    },
    addrBook: (c) => {
      const b = addrBook({ strict: false })(c)
      return Object.assign(Object.create(b) as AddrBook, {
        start: async () => {
          log.push('addrBook start')
          await b.start()
        },
        stop: async () => {
          log.push('addrBook stop')
          await b.stop()
        }
      })
    },
    switch: (c) => new RecordingSwitch(log, c),
    peerManager: () => recordingPeerManager(log),
    pex: () => recordingReactor('pex', 0x00, log),
    ...extra
  }
}

describe('createNode', () => {
  it('names every missing component up front, before building anything', async () => {
    let built = false
    const err = await rejection(createNode({
      network: 'x',
      config: { seedMode: true },
      peerManager: false,
      addrBook: () => {
        built = true
        throw new Error('must not be called')
      }
    }))
    expect(err.name).toBe('MissingComponentError')
    expect((err as unknown as { names: string[] }).names).toEqual(expect.arrayContaining(['nodeKey', 'dialer (a seed crawls through the peer manager)']))
    expect(built).toBe(false)
  })

  it('needs a chain ID', async () => {
    const log: string[] = []
    const { network: _n, ...rest } = composed(log)
    const err = await rejection(createNode(rest))
    expect(err.name).toBe('ConfigError')
    expect(err.message).toContain('chain ID')
  })

  it('starts addrbook → transport → switch → peer manager, stops in reverse, and both are idempotent', async () => {
    const log: string[] = []
    const node = await createNode(composed(log))
    expect(log).toEqual(['addReactor pex'])
    await Promise.all([node.start(), node.start()])
    await node.start()
    expect(node.isStarted()).toBe(true)
    await Promise.all([node.stop(), node.stop()])
    await node.stop()
    expect(log.slice(1)).toEqual([
      'addrBook start',
      'transport start',
      'switch start',
      'peerManager start',
      'peerManager stop',
      'switch stop',
      'transport stop',
      'addrBook stop'
    ])
  })

  it('builds NodeInfo from the config, the reactors and the bound port', async () => {
    const log: string[] = []
    const node = await createNode(composed(log, { reactors: [recordingReactor('echo', 0x77, log)] }))
    await node.start()
    cleanups.push(() => node.stop())
    const info = node.nodeInfo()
    const { port } = node.listenAddress()
    expect(port).toBeGreaterThan(0)
    expect(info).toMatchObject({ id: node.id, network: 'test-chain', moniker: 'alice', listenAddr: `tcp://127.0.0.1:${port}`, version: '0.34.35' })
    expect([...info.channels]).toEqual([0x00, 0x77])
    expect(info.protocolVersion).toEqual({ p2p: 8n, block: 11n, app: 0n })
    // our own address is never stored in the book
    expect(node.components.addrBook.isOurAddress(node.listenAddress())).toBe(true)
  })

  it('advertises external_address when set', async () => {
    const log: string[] = []
    const node = await createNode(composed(log, { config: { listenAddress: 'tcp://127.0.0.1:0', externalAddress: 'tcp://203.0.113.7:26656' } }))
    await node.start()
    cleanups.push(() => node.stop())
    expect(node.nodeInfo().listenAddr).toBe('tcp://203.0.113.7:26656')
  })

  it('hands each replaced layer the components it needs', async () => {
    const log: string[] = []
    const seen: Record<string, unknown> = {}
    const strategy: DialStrategy = { next: async () => [] }
    const bans = { ban() {}, unban() {}, isBanned: () => false, list: () => [], denyAuthenticated: () => false } as BanList
    const node = await createNode(
      composed(log, {
        dialStrategy: (c) => {
          seen.strategyBook = c.addrBook
          return strategy
        },
        banList: () => bans,
        switch: (c) => {
          seen.switchBook = c.addrBook
          seen.switchFilter = c.peerFilter
          return new RecordingSwitch(log, c)
        },
        peerManager: (c) => {
          seen.pm = c
          return recordingPeerManager(log)
        },
        pex: (c) => {
          seen.pexDialer = c.dialer
          seen.pexBook = c.addrBook
          return recordingReactor('pex', 0, log)
        }
      })
    )
    const book = node.components.addrBook
    expect(seen.strategyBook).toBe(book)
    expect(seen.switchBook).toBe(book)
    expect(seen.pexBook).toBe(book)
    expect(seen.pexDialer).toBe(node.components.peerManager)
    expect(seen.switchFilter).toBeDefined()
    expect(seen.pm).toMatchObject({ switch: node.components.switch, addrBook: book, dialStrategy: strategy, banList: bans })
    expect(node.components.banList).toBe(bans)
  })

  it('runs without PEX when the config says pex = false', async () => {
    const log: string[] = []
    const node = await createNode(composed(log, { config: { listenAddress: 'tcp://127.0.0.1:0', pexReactor: false } }))
    expect(node.components.reactors).toEqual([])
    expect(node.inits.pex).toBeUndefined()
  })

  it('reports a port in use as a ResourceError naming p2p.laddr, and undoes what it started', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => server.close(() => r())))
    const port = (server.address() as { port: number }).port
    const log: string[] = []
    const opts = composed(log, {
      config: { listenAddress: `tcp://127.0.0.1:${port}` },
      transport: (c) => {
        const t = tcpTransport({ listen: `127.0.0.1:${port}` })(c)
        return t
      }
    })
    const node = await createNode(opts)
    const err = await rejection(node.start())
    expect(err.name).toBe('ConfigError')
    expect((err as unknown as { key: string; resource: boolean }).key).toBe('p2p.laddr')
    expect((err as unknown as { resource: boolean }).resource).toBe(true)
    expect(err.message).toContain('address already in use')
    expect(log).toContain('addrBook stop')
    expect(node.isStarted()).toBe(false)
  })

  it('reads a CometBFT home: config.toml, node key, genesis chain ID, address book saved at stop', async () => {
    const { dir, cleanup } = await tempDir()
    cleanups.push(cleanup)
    const home = join(dir, 'home')
    const init = await initHome(home, { chainId: 'home-chain', config: { moniker: 'bob', listenAddress: 'tcp://127.0.0.1:0', addrBookStrict: false } })
    const log: string[] = []
    const { nodeKey: _k, network: _n, config: _c, addrBook: _b, transport: _t, ...rest } = composed(log)
    const node = await createNode({ ...rest, home })
    expect(node.id).toBe(init.nodeKey.id)
    expect(node.nodeInfo()).toMatchObject({ network: 'home-chain', moniker: 'bob' })
    expect(node.config.addrBookFile).toBe(join(home, 'config', 'addrbook.json'))
    await node.start()
    node.components.addrBook.addAddress(
      { id: generateNodeKey().id, ip: '10.0.0.1', port: 26656 },
      { id: generateNodeKey().id, ip: '10.0.0.2', port: 26656 }
    )
    await node.stop()
    const again = await createNode({ ...rest, home })
    await again.start()
    cleanups.push(() => again.stop())
    expect(again.components.addrBook.size()).toBe(1)
  })
})

describe('createNode with the default switch and PEX', () => {
  it('two nodes connect over TCP, and stopping them leaves no socket or timer', async () => {
    const handles = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP') || r === 'Timeout').length
    const before = handles()
    const make = (name: string, ip: string) =>
      createNode({
        config: { moniker: name, listenAddress: `tcp://${ip}:0`, addrBookStrict: false },
        nodeKey: generateNodeKey(),
        network: 'test-chain',
        peerManager: false,
        addrBook: (c) => addrBook({ strict: false })(c)
      })
    const a = await make('a', '127.0.0.1')
    const b = await make('b', '127.0.0.2')
    await a.start()
    await b.start()
    expect(b.components.reactors.map((r) => r.name)).toEqual(['PEX'])
    const added = new Promise((resolve) => a.events.addEventListener('peer:add', resolve, { once: true }))
    const peer = await b.components.switch.dialPeer(a.listenAddress())
    await added
    expect(peer.id).toBe(a.id)
    expect(a.components.switch.peers().get(b.id)?.nodeInfo.moniker).toBe('b')
    await b.stop()
    await a.stop()
    await new Promise((r) => setTimeout(r, 50))
    expect(handles()).toBeLessThanOrEqual(before)
  })
})

describe('createNode with a factory that returns nothing', () => {
  it('is a MissingComponentError naming it, before anything is started', async () => {
    const log: string[] = []
    const err = await rejection(createNode(composed(log, { dialStrategy: () => undefined as unknown as DialStrategy, reactors: [() => undefined as unknown as ReturnType<typeof recordingReactor>] })))
    expect(err.name).toBe('MissingComponentError')
    expect(err.names).toEqual(['dialStrategy (its factory returned nothing)', 'reactors[0] (its factory returned nothing)'])
    expect(log).not.toContain('addrBook start')
  })
})

describe('createNode without a home', () => {
  it('keeps the address book in memory instead of writing config/addrbook.json into the working directory', async () => {
    const cwd = process.cwd()
    const { dir, cleanup } = await tempDir()
    cleanups.push(cleanup)
    process.chdir(dir)
    try {
      const node = await createNode({
        config: { moniker: 'nohome', listenAddress: 'tcp://127.0.0.1:0' },
        nodeKey: generateNodeKey(),
        network: 'test-chain',
        peerManager: false
      })
      expect(node.inits.addrBook.filePath).toBeUndefined()
      await node.start()
      await node.stop()
      expect(await readdir(dir)).toEqual([])
      const named = await createNode({
        config: { moniker: 'named', listenAddress: 'tcp://127.0.0.1:0', addrBookFile: join(dir, 'book.json') },
        nodeKey: generateNodeKey(),
        network: 'test-chain',
        peerManager: false
      })
      expect(named.inits.addrBook.filePath).toBe(join(dir, 'book.json'))
    } finally {
      process.chdir(cwd)
    }
  })
})
