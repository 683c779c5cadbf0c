import { createNetAddress } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { type HttpApi, type HttpApiComponents, type HttpApiInit, httpApi, promMetrics } from '../src/observability/index.js'
import { fakePeer, fakeSource, get, idOf, raw } from './observability-fakes.js'

let api: HttpApi | undefined

afterEach(async () => {
  await api?.stop()
  api = undefined
})

/** Starts an API on a free port; returns the port. */
async function startApi(init: HttpApiInit, components: HttpApiComponents): Promise<number> {
  api = httpApi({ port: 0, ...init })(components)
  await api.start()
  return api.address().port
}

describe('observability HTTP API', () => {
  it('binds to 127.0.0.1 by default', async () => {
    const port = await startApi({}, { status: fakeSource() })
    expect(api!.address()).toEqual({ host: '127.0.0.1', port })
  })

  it('serves /status with our NodeInfo, listen address and counts', async () => {
    const peers = [fakePeer(1, { outbound: true }), fakePeer(2), fakePeer(3)]
    const port = await startApi({}, { status: fakeSource({ peers }) })
    const res = await get(port, '/status')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const body = JSON.parse(res.body)
    expect(body.node_info.id).toBe(idOf(0xaa))
    expect(body.node_info.moniker).toBe('self')
    expect(body.node_info.protocol_version).toEqual({ p2p: '8', block: '11', app: '0' })
    expect(body.node_info.channels).toBe('0020')
    expect(body.listen_addresses).toEqual([`${idOf(0xaa)}@127.0.0.1:26656`])
    expect(body.peers).toMatchObject({ total: 3, outbound: 1, inbound: 2 })
    expect(body.addrbook).toEqual({ size: 3, new: 2, old: 1, needMoreAddrs: true })
  })

  it('serves /net_info from each Peer.status()', async () => {
    const peers = [fakePeer(1, { outbound: true, persistent: true }), fakePeer(2)]
    const port = await startApi({}, { status: fakeSource({ peers }) })
    const body = JSON.parse((await get(port, '/net_info')).body)
    expect(body.listening).toBe(true)
    expect(body.n_peers).toBe(2)
    expect(body.peers[0]).toMatchObject({
      id: idOf(1),
      address: `${idOf(1)}@127.0.0.1:26656`,
      direction: 'outbound',
      is_outbound: true,
      persistent: true,
      unconditional: false,
      connected_since: new Date(1_700_000_000_000).toISOString(),
      bytes_sent: 1000,
      bytes_received: 2000,
      channels: [{ id: 0x20, send_queue_size: 25, send_queue_capacity: 100, send_queue_fill: 0.25, priority: 5, recently_sent: 42, bytes_sent: 1000, bytes_received: 2000 }]
    })
    expect(body.peers[1]).toMatchObject({ id: idOf(2), direction: 'inbound', persistent: false })
  })

  it('serves /addrbook and /network', async () => {
    const port = await startApi({}, { status: fakeSource({ peers: [fakePeer(1, { outbound: true }), fakePeer(2)] }) })
    expect(JSON.parse((await get(port, '/addrbook')).body)).toEqual({ size: 3, new: 2, old: 1, needMoreAddrs: true })
    const view = JSON.parse((await get(port, '/network')).body)
    expect(view.nodes.map((n: { id: string }) => n.id)).toEqual([idOf(0xaa), idOf(1), idOf(2)])
    expect(view.nodes[0].peers).toEqual([
      { id: idOf(1), outbound: true, channels: [{ id: 0x20, bytes_sent: 1000, bytes_received: 2000 }] },
      { id: idOf(2), outbound: false, channels: [{ id: 0x20, bytes_sent: 2000, bytes_received: 4000 }] }
    ])
  })

  it('serves /peers as id@host:port lines or JSON, only what the source verified', async () => {
    const verified = [createNetAddress(idOf(7), '10.0.0.7', 26656), createNetAddress(idOf(8), '::1', 26656)]
    const port = await startApi({ peersLimit: 10 }, { status: fakeSource({ verified }) })
    const text = await get(port, '/peers')
    expect(text.headers['content-type']).toMatch(/^text\/plain/)
    expect(text.body).toBe(`${idOf(7)}@10.0.0.7:26656\n${idOf(8)}@[::1]:26656\n`)
    const json = JSON.parse((await get(port, '/peers?format=json&limit=1')).body)
    expect(json).toEqual({ peers: [`${idOf(7)}@10.0.0.7:26656`] })
    const accept = await get(port, '/peers', { headers: { accept: 'application/json' } })
    expect(JSON.parse(accept.body).peers).toHaveLength(2)
  })

  it('answers /peers with 404 when the node cannot tell which addresses it verified', async () => {
    const port = await startApi({}, { status: fakeSource() })
    expect((await get(port, '/peers')).status).toBe(404)
  })

  it('serves /metrics from a prom-client registry, 404 when metrics are off', async () => {
    const metrics = promMetrics()
    metrics.registerCounter('cometbft_p2p_test_total', { help: 'a test counter' }).increment(3)
    const port = await startApi({}, { status: fakeSource(), metrics })
    const res = await get(port, '/metrics')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe(metrics.contentType)
    expect(res.body).toContain('cometbft_p2p_test_total 3')
    await api!.stop()
    const port2 = await startApi({}, { status: fakeSource() })
    expect((await get(port2, '/metrics')).status).toBe(404)
  })

  it('serves the page, its script and the vendored graph library, and nothing else from disk', async () => {
    const port = await startApi({}, { status: fakeSource() })
    const page = await get(port, '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['content-security-policy']).toContain("default-src 'self'")
    expect(page.body).toContain('vendor/cytoscape.min.js')
    const lib = await get(port, '/vendor/cytoscape.min.js')
    expect(lib.status).toBe(200)
    expect(lib.body.length).toBeGreaterThan(100_000)
    expect((await get(port, '/app.js')).status).toBe(200)
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/vendor/../../package.json', '/public/app.js', '/index.html/', '//etc/passwd', '/app.js%00']) {
      expect((await get(port, path)).status, path).toBe(404)
    }
  })

  it('leaves the page out when ui is false', async () => {
    const port = await startApi({ ui: false }, { status: fakeSource() })
    expect((await get(port, '/')).status).toBe(404)
    expect((await get(port, '/status')).status).toBe(200)
  })

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    const port = await startApi({}, { status: fakeSource() })
    const head = await get(port, '/status', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0)
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await get(port, '/status', { method })
      expect(res.status, method).toBe(405)
      expect(res.headers.allow).toBe('GET, HEAD')
    }
  })

  it('answers unknown paths with 404 and a GET with a body with 400', async () => {
    const port = await startApi({}, { status: fakeSource() })
    expect((await get(port, '/nope')).status).toBe(404)
    expect((await get(port, '/status', { headers: { 'content-length': '0' } })).status).toBe(200)
    const body = await raw(port, 'GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')
    expect(body.text).toMatch(/^HTTP\/1.1 400/)
  })

  it('refuses huge headers with 431 and garbage with 400', async () => {
    const port = await startApi({ maxHeaderBytes: 4096 }, { status: fakeSource() })
    const big = await get(port, '/status', { headers: { 'x-big': 'a'.repeat(10_000) } })
    expect(big.status).toBe(431)
    const garbage = await raw(port, 'NOT HTTP AT ALL\r\n\r\n')
    expect(garbage.text).toMatch(/^HTTP\/1.1 400/)
    // the server still answers afterwards
    expect((await get(port, '/status')).status).toBe(200)
  })

  it('cuts off a slowloris client that never finishes its headers, and keeps serving others', async () => {
    const port = await startApi({ headersTimeoutMs: 300, requestTimeoutMs: 600 }, { status: fakeSource() })
    const slow = raw(port, 'GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ')
    const idle = raw(port, '')
    // meanwhile the API keeps answering
    expect((await get(port, '/status')).status).toBe(200)
    const [s, i] = await Promise.all([slow, idle])
    expect(s.text === '' || /^HTTP\/1.1 408/.test(s.text)).toBe(true)
    expect(s.closedAfterMs).toBeLessThan(5000)
    expect(i.closedAfterMs).toBeLessThan(5000)
  })

  it('closes connections past maxConnections at once', async () => {
    const port = await startApi({ maxConnections: 2, headersTimeoutMs: 2000, requestTimeoutMs: 2000 }, { status: fakeSource() })
    const held = [raw(port, 'GET /status HTTP/1.1\r\nHost: x\r\n'), raw(port, 'GET /status HTTP/1.1\r\nHost: x\r\n')]
    await new Promise((r) => setTimeout(r, 100))
    const third = await raw(port, '')
    expect(third.text).toBe('')
    expect(third.closedAfterMs).toBeLessThan(1000)
    await api!.stop()
    await Promise.all(held)
  })

  it('stops with every connection closed and no handle left', async () => {
    const port = await startApi({}, { status: fakeSource() })
    const open = raw(port, 'GET /status HTTP/1.1\r\nHost: x\r\n')
    await new Promise((r) => setTimeout(r, 50))
    await api!.stop()
    api = undefined
    await open
    await new Promise((r) => setTimeout(r, 20))
    const handles = process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap')
    expect(handles).toEqual([])
  })
})
