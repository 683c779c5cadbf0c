import { addrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { netAddressString } from '@p2p/types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNode, type P2PNode, runCli, type TestnetResult } from '../src/index.js'
import { type NodeWithHttp, parseHttpListen } from '../src/observability/index.js'
import { startTestnetUi } from '../src/observability/testnet-ui.js'
import { get } from './observability-fakes.js'
import { metricValue, until } from './observability-network.js'

async function httpNode(i: number): Promise<NodeWithHttp> {
  const node = await createNode({
    config: { listenAddress: `tcp://127.0.0.${i}:0`, addrBookStrict: false, allowDuplicateIp: true, moniker: `n${i}` },
    nodeKey: generateNodeKey(),
    network: 'observe-chain',
    // no home: keep the book in memory
    addrBook: (c) => addrBook({ strict: false })(c),
    pex: false,
    peerManager: false,
    http: { listen: '127.0.0.1:0' }
  })
  return node as NodeWithHttp
}

describe('createNode({ http })', () => {
  const nodes: NodeWithHttp[] = []

  beforeAll(async () => {
    for (let i = 1; i <= 4; i++) nodes.push(await httpNode(i))
    for (const n of nodes) await n.start()
    for (let i = 0; i < 4; i++) {
      for (let j = i + 1; j < 4; j++) await nodes[i]!.components.switch.dialPeer(nodes[j]!.listenAddress())
    }
    await until(() => nodes.every((n) => n.components.switch.peers().size === 3), 5000, 'a full mesh')
  })

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  })

  it('is off by default', async () => {
    const plain: P2PNode = await createNode({ nodeKey: generateNodeKey(), network: 'x', pex: false, peerManager: false })
    expect('http' in plain).toBe(false)
  })

  it('serves /metrics and /net_info of each node of a 4-node network, matching its switch', async () => {
    for (const n of nodes) {
      const port = n.http.address().port
      expect(n.http.address().host).toBe('127.0.0.1')
      const peers = n.components.switch.peers().list()
      const text = (await get(port, '/metrics')).body
      expect(metricValue(text, 'cometbft_p2p_peers')).toBe(peers.length)
      expect(metricValue(text, 'cometbft_p2p_peers_outbound')).toBe(peers.filter((p) => p.outbound).length)
      const net = JSON.parse((await get(port, '/net_info')).body)
      expect(net.n_peers).toBe(3)
      expect(net.peers.map((p: { id: string }) => p.id).sort()).toEqual(peers.map((p) => p.id).sort())
      const status = JSON.parse((await get(port, '/status')).body)
      expect(status.node_info.id).toBe(n.id)
      expect(status.listen_addresses).toEqual([netAddressString(n.listenAddress())])
    }
  })

  it('shows handshakes in flight and their duration on /metrics: one ok handshake per connection', async () => {
    // node 1 dialled the three others; node 4 accepted three
    const first = (await get(nodes[0]!.http.address().port, '/metrics')).body
    expect(first).toMatch(/^cometbft_p2p_handshakes_in_flight\{direction="outbound"\} 0$/m)
    expect(first).toMatch(/^cometbft_p2p_handshake_duration_seconds_count\{direction="outbound",outcome="ok"\} 3$/m)
    const last = (await get(nodes[3]!.http.address().port, '/metrics')).body
    expect(last).toMatch(/^cometbft_p2p_handshakes_in_flight\{direction="inbound"\} 0$/m)
    expect(last).toMatch(/^cometbft_p2p_handshake_duration_seconds_count\{direction="inbound",outcome="ok"\} 3$/m)
  })

  it('stops the HTTP API with the node', async () => {
    const n = nodes.pop()!
    const port = n.http.address().port
    await n.stop()
    await expect(get(port, '/status')).rejects.toThrow(/ECONNREFUSED/)
  })

  it('parses the listen address', () => {
    expect(parseHttpListen('tcp://0.0.0.0:26660')).toEqual({ host: '0.0.0.0', port: 26660 })
    expect(parseHttpListen(':9000')).toEqual({ host: '127.0.0.1', port: 9000 })
    expect(parseHttpListen('[::1]:1')).toEqual({ host: '::1', port: 1 })
    for (const bad of ['nope', '1.2.3.4:99999', '1.2.3.4:x']) expect(() => parseHttpListen(bad), bad).toThrow(expect.objectContaining({ name: 'ConfigError' }))
  })
})

describe('the testnet network page (p2p-node testnet --ui)', () => {
  it('serves every node of the testnet on /network, 503 before the nodes exist, and holds until the signal', async () => {
    const out: string[] = []
    const ui = await startTestnetUi('127.0.0.1:0', { stdout: (t) => void out.push(t) })
    const port = Number(new URL(ui.url).port)
    expect(out.join('')).toContain(`network page: ${ui.url}`)
    expect((await get(port, '/status')).status).toBe(503)
    expect(JSON.parse((await get(port, '/network')).body)).toEqual({ nodes: [] })
    const nodes: NodeWithHttp[] = []
    try {
      for (let i = 1; i <= 3; i++) nodes.push(await httpNode(i))
      for (const n of nodes) await n.start()
      await nodes[0]!.components.switch.dialPeer(nodes[1]!.listenAddress())
      await nodes[2]!.components.switch.dialPeer(nodes[0]!.listenAddress())
      ui.show(nodes)
      const view = JSON.parse((await get(port, '/network')).body) as { nodes: Array<{ id: string; reachable: boolean; peers: Array<{ id: string; outbound: boolean }> }> }
      expect(view.nodes.map((n) => n.id)).toEqual(nodes.map((n) => n.id))
      expect(view.nodes.every((n) => n.reachable)).toBe(true)
      expect(view.nodes[0]!.peers).toContainEqual(expect.objectContaining({ id: nodes[1]!.id, outbound: true }))
      expect(view.nodes[0]!.peers).toContainEqual(expect.objectContaining({ id: nodes[2]!.id, outbound: false }))
      expect((await get(port, '/')).status).toBe(200)
      const stop = new AbortController()
      let held = true
      const hold = ui.hold({ converged: true } as TestnetResult, stop.signal).then(() => {
        held = false
      })
      await new Promise((r) => setTimeout(r, 20))
      expect(held).toBe(true)
      stop.abort()
      await hold
      expect(out.join('')).toContain('Ctrl-C stops it')
    } finally {
      await Promise.all(nodes.map((n) => n.stop()))
      await ui.stop()
    }
  })

  it('has the flags on the CLI', async () => {
    const io = { stdout: (t: string) => void help.push(t), stderr: () => {} }
    const help: string[] = []
    await runCli(['node', 'p2p-node', 'testnet', '--help'], io)
    await runCli(['node', 'p2p-node', 'start', '--help'], io)
    await runCli(['node', 'p2p-node', 'seed', '--help'], io)
    expect(help.join('')).toContain('--ui [addr]')
    expect(help.join('').match(/--http <addr>/g)).toHaveLength(2)
  })
})
