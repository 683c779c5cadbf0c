import { request } from 'node:http'
import { connect } from 'node:net'
import {
  type ConnectionStatus,
  createNetAddress,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  type Peer
} from '@p2p/types'
import type { NodeStatusSource } from '../src/observability/index.js'

/** A node ID made of one repeated hex digit pair. */
export const idOf = (n: number): NodeID => n.toString(16).padStart(2, '0').repeat(20) as NodeID

export function fakeNodeInfo(id: NodeID, moniker = `node-${id.slice(0, 4)}`): NodeInfo {
  return {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id,
    listenAddr: 'tcp://127.0.0.1:26656',
    network: 'test-chain',
    version: '0.34.35',
    channels: Uint8Array.of(0x00, 0x20),
    moniker,
    other: { txIndex: 'on', rpcAddress: '' }
  }
}

/** A peer with a fixed status; `send` and `trySend` always succeed. */
export function fakePeer(n: number, o: { outbound?: boolean; persistent?: boolean; status?: ConnectionStatus } = {}): Peer {
  const id = idOf(n)
  const data = new Map<unknown, unknown>()
  const status: ConnectionStatus = o.status ?? {
    connectedAt: 1_700_000_000_000,
    bytesSent: 1000 * n,
    bytesReceived: 2000 * n,
    channels: [{ id: 0x20, sendQueueSize: 25, sendQueueCapacity: 100, priority: 5, recentlySent: 42, bytesSent: 1000 * n, bytesReceived: 2000 * n }]
  }
  return {
    id,
    nodeInfo: fakeNodeInfo(id),
    outbound: o.outbound ?? false,
    persistent: o.persistent ?? false,
    unconditional: false,
    socketAddr: createNetAddress(id, `127.0.0.${n}`, 26656),
    signal: new AbortController().signal,
    send: async () => true,
    trySend: () => true,
    get: <T>(k: { name: string }) => data.get(k) as T | undefined,
    set: (k, v) => void data.set(k, v),
    delete: (k) => void data.delete(k),
    status: () => status
  }
}

export function fakeSource(o: { peers?: Peer[]; verified?: NetAddress[] } = {}): NodeStatusSource {
  const self = idOf(0xaa)
  return {
    nodeInfo: () => fakeNodeInfo(self, 'self'),
    listenAddress: () => createNetAddress(self, '127.0.0.1', 26656),
    peers: () => o.peers ?? [],
    addrBook: () => ({ size: 3, new: 2, old: 1, needMoreAddrs: true }),
    ...(o.verified !== undefined ? { verifiedAddresses: (limit: number) => o.verified!.slice(0, limit) } : {})
  }
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One HTTP request; resolves with status, headers and body. */
export function get(port: number, path: string, o: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        body += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Writes raw bytes on a fresh socket and collects what comes back until the server closes. */
export function raw(port: number, bytes: string, o: { keepOpenMs?: number } = {}): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (c: string) => {
      text += c
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }))
    socket.on('connect', () => {
      if (bytes !== '') socket.write(bytes)
      if (o.keepOpenMs !== undefined) setTimeout(() => socket.destroy(), o.keepOpenMs).unref()
    })
    socket.setTimeout(15_000, () => {
      socket.destroy()
      reject(new Error('server never closed the socket'))
    })
  })
}
