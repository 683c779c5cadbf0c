import { connect } from 'node:net'
import { createNetAddress, netAddressString } from '@p2p/types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { get } from './observability-fakes.js'
import { ECHO_CHANNEL, fullMesh, metricValue, type ObservedNode, until } from './observability-network.js'

interface NetInfoPeer {
  id: string
  address: string
  direction: string
  is_outbound: boolean
  persistent: boolean
  connected_since: string
  bytes_sent: number
  bytes_received: number
  channels: Array<{ id: number; send_queue_capacity: number; send_queue_size: number; bytes_sent: number; bytes_received: number }>
}

async function metricsOf(n: ObservedNode): Promise<string> {
  const res = await get(n.port(), '/metrics')
  expect(res.status).toBe(200)
  return res.body
}

describe('observability of a running 4-node network', () => {
  let nodes: ObservedNode[] = []
  const MESSAGES = 50
  const SIZE = 3000

  beforeAll(async () => {
    nodes = await fullMesh(4)
    // every node sends MESSAGES messages of SIZE bytes to each of its 3 peers
    for (const n of nodes) {
      for (let i = 0; i < MESSAGES; i++) await n.sw.broadcast(ECHO_CHANNEL, new Uint8Array(SIZE).fill(i))
    }
    await until(() => nodes.every((n) => n.reactor.messages === 3 * MESSAGES), 10_000, 'every message delivered')
  })

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  })

  it('/net_info lists exactly the switch peers, with direction, address and counters from Peer.status()', async () => {
    for (const n of nodes) {
      const body = JSON.parse((await get(n.port(), '/net_info')).body) as { n_peers: number; listening: boolean; peers: NetInfoPeer[] }
      const peers = n.sw.peers().list()
      expect(body.listening).toBe(true)
      expect(body.n_peers).toBe(peers.length)
      expect(body.peers.map((p) => p.id).sort()).toEqual(peers.map((p) => p.id).sort())
      for (const p of peers) {
        const j = body.peers.find((x) => x.id === p.id)!
        expect(j.direction).toBe(p.outbound ? 'outbound' : 'inbound')
        expect(j.address).toBe(netAddressString(p.socketAddr))
        expect(j.persistent).toBe(false)
        expect(Date.parse(j.connected_since)).toBe(p.status().connectedAt)
        // the counters only grow: what the API saw is at most what the peer reports now
        expect(j.bytes_sent).toBeGreaterThanOrEqual(SIZE * MESSAGES)
        expect(j.bytes_sent).toBeLessThanOrEqual(p.status().bytesSent)
        expect(j.bytes_received).toBeGreaterThanOrEqual(SIZE * MESSAGES)
        const ch = j.channels.find((c) => c.id === ECHO_CHANNEL)!
        expect(ch.send_queue_capacity).toBe(1000)
        // per channel: exactly the payload the test sent each way on the echo channel (every
        // message was delivered before the API was read), and nothing on a channel nobody used
        expect(ch.bytes_sent).toBe(SIZE * MESSAGES)
        expect(ch.bytes_received).toBe(SIZE * MESSAGES)
        for (const other of j.channels.filter((c) => c.id !== ECHO_CHANNEL)) expect([other.bytes_sent, other.bytes_received]).toEqual([0, 0])
        // the connection's totals add framing, encryption and pings on top
        expect(j.bytes_sent).toBeGreaterThan(ch.bytes_sent)
        expect(j.bytes_received).toBeGreaterThan(ch.bytes_received)
      }
      // what the node's reactor received is the sum over its peers of the echo channel's bytes
      expect(body.peers.reduce((sum, p) => sum + p.channels.find((c) => c.id === ECHO_CHANNEL)!.bytes_received, 0)).toBe(n.reactor.bytes)
    }
  })

  it('/metrics peers and bytes match the switch state and what the reactors received', async () => {
    // let the switch hand its batched byte tallies to the sink
    await new Promise((r) => setTimeout(r, 100))
    for (const [i, n] of nodes.entries()) {
      const text = await metricsOf(n)
      const peers = n.sw.peers().list()
      const outbound = peers.filter((p) => p.outbound).length
      expect(metricValue(text, 'cometbft_p2p_peers')).toBe(peers.length)
      expect(metricValue(text, 'cometbft_p2p_peers_outbound')).toBe(outbound)
      expect(metricValue(text, 'cometbft_p2p_peers_inbound')).toBe(peers.length - outbound)
      // node i dialled the 3 - i nodes after it, all successfully
      expect(outbound).toBe(3 - i)
      expect(metricValue(text, 'cometbft_p2p_dials_total{outcome="ok",reason="none"}') ?? 0).toBe(3 - i)
      const chID = `0x${ECHO_CHANNEL.toString(16)}`
      expect(metricValue(text, `cometbft_p2p_peer_receive_bytes_total{chID="${chID}"}`)).toBe(n.reactor.bytes)
      expect(metricValue(text, `cometbft_p2p_peer_send_bytes_total{chID="${chID}"}`)).toBe(3 * MESSAGES * SIZE)
      expect(metricValue(text, 'cometbft_p2p_peer_pending_send_bytes')).toBe(0)
      // Go's per-message-type series: every message was filled with its index (25 even, 25 odd
      // from each of 3 peers, and to each of them), named by the counting reactor
      for (const type of ['test_Even', 'test_Odd']) {
        expect(metricValue(text, `cometbft_p2p_message_receive_bytes_total{message_type="${type}"}`)).toBe((3 * MESSAGES * SIZE) / 2)
        expect(metricValue(text, `cometbft_p2p_message_send_bytes_total{message_type="${type}"}`)).toBe((3 * MESSAGES * SIZE) / 2)
      }
      expect(metricValue(text, 'cometbft_p2p_message_receive_bytes_total{message_type="unknown"}')).toBeUndefined()
      // per-peer series only when asked
      expect(text).not.toContain('peer_id=')
    }
  })

  it('/status and /network agree with the switch', async () => {
    const n = nodes[0]!
    const status = JSON.parse((await get(n.port(), '/status')).body)
    expect(status.node_info.id).toBe(n.info.id)
    expect(status.listen_addresses).toEqual([netAddressString(n.transport.listenAddress())])
    expect(status.peers).toMatchObject({ total: 3, outbound: 3, inbound: 0, counted_outbound: n.sw.numPeers().outbound })
    const view = JSON.parse((await get(n.port(), '/network')).body)
    expect(view.nodes).toHaveLength(4)
    expect(view.nodes[0].peers.map((p: { id: string }) => p.id).sort()).toEqual(nodes.slice(1).map((x) => x.info.id).sort())
  })

  it('counts a failed dial by its typed reason', async () => {
    const n = nodes[0]!
    // nothing listens there: the HTTP API of node 2 is bound to 127.0.0.1, not 127.0.0.2
    const bogus = createNetAddress('ff'.repeat(20), '127.0.0.2', nodes[1]!.port())
    await expect(n.sw.dialPeer(bogus)).rejects.toThrow()
    const text = await metricsOf(n)
    const errors = text.split('\n').filter((l) => l.startsWith('cometbft_p2p_dials_total{outcome="error"'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/reason="[A-Za-z]+Error(:[a-z-]+)?"\} 1$/)
  })

  it('counts a connection that fails its handshake by direction and typed reason', async () => {
    const n = nodes[1]!
    const before = await metricsOf(n)
    expect(before).not.toContain('cometbft_p2p_connections_rejected_total{direction="inbound"')
    // not a secret handshake: 64 bytes of garbage, then hang up
    await new Promise<void>((resolve, reject) => {
      const s = connect(n.transport.listenAddress().port, n.transport.listenAddress().ip, () => s.end(Buffer.alloc(64, 0xab)))
      s.on('error', reject)
      s.on('close', () => resolve())
      s.resume()
    })
    let line: string | undefined
    await until(() => {
      void metricsOf(n).then((t) => {
        line = t.split('\n').find((l) => l.startsWith('cometbft_p2p_connections_rejected_total{direction="inbound"'))
      })
      return line !== undefined
    }, 5000, 'the rejected connection counted')
    expect(line).toMatch(/reason="[A-Za-z]+(:[a-z-]+)?"\} 1$/)
  })

  it('counts a removed peer and updates the gauges', async () => {
    const [a, , , d] = nodes as [ObservedNode, ObservedNode, ObservedNode, ObservedNode]
    await d.stop()
    nodes = nodes.slice(0, 3)
    await until(() => a.sw.peers().size === 2, 5000, 'node 1 to see node 4 go')
    const text = await metricsOf(a)
    expect(metricValue(text, 'cometbft_p2p_peers')).toBe(2)
    const removed = text.split('\n').filter((l) => l.startsWith('cometbft_p2p_peers_removed_total{direction="outbound"'))
    expect(removed).toHaveLength(1)
    expect(removed[0]).toMatch(/ 1$/)
    const net = JSON.parse((await get(a.port(), '/net_info')).body)
    expect(net.n_peers).toBe(2)
  })
})
