import { defaultP2PConfig, parseConfig } from '@p2p/config'
import { configToInit } from '@p2p/node'
import { describe, expect, it } from 'vitest'

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'

describe('configToInit', () => {
  it('maps every [p2p] key a layer uses onto that layer', () => {
    const cfg = parseConfig(
      `moniker = "m1"
[rpc]
laddr = "tcp://0.0.0.0:1234"
[p2p]
laddr = "tcp://1.2.3.4:26656"
external_address = "tcp://5.6.7.8:26656"
seeds = "${A}@1.1.1.1:26656"
persistent_peers = "${B}@2.2.2.2:26656"
addr_book_strict = false
max_num_inbound_peers = 7
max_num_outbound_peers = 3
unconditional_peer_ids = "${A}"
persistent_peers_max_dial_period = "10s"
flush_throttle_timeout = "10ms"
max_packet_msg_payload_size = 2048
send_rate = 100
recv_rate = 200
seed_mode = true
private_peer_ids = "${B}"
allow_duplicate_ip = true
`,
      { home: '/h' }
    )
    const i = configToInit(cfg)
    expect(i.transport).toEqual({
      listen: '1.2.3.4:26656',
      allowDuplicateIp: true,
      maxInboundConnections: 8,
      mconnection: { sendRate: 100, recvRate: 200, flushThrottleMs: 10, maxPacketMsgPayloadSize: 2048 }
    })
    expect(i.addrBook).toEqual({ filePath: '/h/config/addrbook.json', strict: false, privateIds: [B] })
    expect(i.switch).toEqual({ maxInboundPeers: 7, maxOutboundPeers: 3, unconditionalPeerIds: [A], persistentPeerIds: [B], allowDuplicateIp: true })
    expect(i.pex).toEqual({ seedMode: true, privatePeerIds: [B] })
    expect(i.peerManager).toEqual({
      persistentPeers: [`${B}@2.2.2.2:26656`],
      seeds: [`${A}@1.1.1.1:26656`],
      unconditionalPeerIds: [A],
      maxOutboundPeers: 3,
      allowDuplicateIp: true,
      persistentBackoffMaxMs: 10_000,
      anchorsFile: '/h/data/anchors.json'
    })
    expect(i.nodeInfo).toEqual({ moniker: 'm1', rpcAddress: 'tcp://0.0.0.0:1234', externalAddress: '5.6.7.8:26656' })
    expect(i.ignored).toEqual([])
  })

  it('leaves Go\'s hard-coded dial and handshake timeouts alone, as Go v0.34 does', () => {
    const i = configToInit({ ...defaultP2PConfig(), dialTimeoutMs: 99, handshakeTimeoutMs: 99 })
    expect(i.transport).not.toHaveProperty('dialTimeoutMs')
    expect(i.transport).not.toHaveProperty('handshakeTimeoutMs')
  })

  it('has no PEX with pex = false, and lists the keys it does not act on', () => {
    const i = configToInit({ ...defaultP2PConfig(), pexReactor: false, seedMode: true, upnp: true, filterPeers: true, testFuzz: true, testDialFail: true })
    expect(i.pex).toBeUndefined()
    expect(i.ignored).toHaveLength(5)
    expect(i.ignored.join('\n')).toMatch(/upnp[\s\S]*filter_peers[\s\S]*test_dial_fail[\s\S]*test_fuzz[\s\S]*seed_mode/)
  })
})
