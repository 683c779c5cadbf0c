import type { PeerConnection, Transport } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { tcpTransport } from '../src/index.js'
import { testIdentity } from './helpers/identity.js'

const transports: Transport[] = []
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.stop()))
})

function make(listen: string | undefined): Transport {
  const id = testIdentity()
  const t = tcpTransport({ ...(listen === undefined ? { dialOnly: true } : { listen }), mconnection: { sendRate: 0, recvRate: 0 } })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo })
  transports.push(t)
  return t
}

describe('TcpTransport with dialOnly: true (dial only, like a crawler)', () => {
  it('dials and completes the handshake without listening; accept ends, listenAddress throws', async () => {
    const server = make('127.0.0.1:0')
    await server.start()
    const dialer = make(undefined)
    await expect(dialer.dial(server.listenAddress())).rejects.toMatchObject({ name: 'NotStartedError' })
    await dialer.start()
    expect(() => dialer.listenAddress()).toThrow(expect.objectContaining({ name: 'NotStartedError' }))
    const accepted: Promise<PeerConnection | undefined> = (async () => {
      for await (const c of server.accept()) return c
      return undefined
    })()
    const conn = await dialer.dial(server.listenAddress())
    expect(conn.remoteInfo.id).toBe(server.listenAddress().id)
    const inbound = await accepted
    expect(inbound?.outbound).toBe(false)
    const ended: unknown[] = []
    for await (const c of dialer.accept()) ended.push(c)
    expect(ended).toEqual([])
    await dialer.stop()
    await expect(dialer.dial(server.listenAddress())).rejects.toMatchObject({ name: 'NotStartedError' })
    await inbound?.close()
  })

  it('stop closes the connections it dialled', async () => {
    const server = make('127.0.0.1:0')
    await server.start()
    const dialer = make(undefined)
    await dialer.start()
    const conn = await dialer.dial(server.listenAddress())
    const closed = new Promise<void>((resolve) =>
      conn.start([{ id: 0x20, priority: 1, sendQueueCapacity: 1, recvMessageCapacity: 1024 }], { onReceive: () => {}, onClose: () => resolve() })
    )
    await dialer.stop()
    await closed
  })
})
