import type { Duplex } from 'node:stream'
import {
  AuthFailureError,
  checkNodeInfoCompatible,
  type NodeID,
  type NodeInfo,
  type NodeKey,
  RejectedError,
  validateNodeInfo
} from '@p2p/types'
import type { ByteStream } from './byte-stream.js'
import { exchangeNodeInfo } from './nodeinfo/exchange.js'
import { HandoverStream } from './stream/handover-stream.js'

/** An authenticated encrypted stream: what the secret handshake yields. */
export interface SecureStream extends ByteStream {
  readonly remotePublicKey: Uint8Array
  readonly remoteId: NodeID
}

/** Runs the secret handshake over a raw duplex (the seam for the SecretConnection). */
export type SecureUpgrader = (
  socket: Duplex,
  nodeKey: NodeKey,
  options: { signal?: AbortSignal; timeoutMs?: number }
) => Promise<SecureStream>

export interface UpgradeOptions {
  nodeKey: NodeKey
  ourInfo: NodeInfo
  secure: SecureUpgrader
  /** The ID we dialled; absent for inbound connections. */
  expectedId?: NodeID
  /** Remote socket address, for error messages. */
  remote: string
  secretTimeoutMs: number
  nodeInfoTimeoutMs: number
  signal?: AbortSignal
}

export interface Upgraded {
  stream: HandoverStream
  remoteInfo: NodeInfo
  remotePublicKey: Uint8Array
  remoteId: NodeID
}

/**
 * Turns a raw connection into an authenticated peer whose NodeInfo passed every check, in Go's
 * order: secret handshake, dialled ID, NodeInfo exchange, validate, NodeInfo ID == key ID, not
 * ourselves, compatible. Closes the socket on any failure.
 */
export async function upgrade(socket: Duplex, o: UpgradeOptions): Promise<Upgraded> {
  let secure: SecureStream | undefined
  try {
    const secretOptions = { timeoutMs: o.secretTimeoutMs, ...(o.signal === undefined ? {} : { signal: o.signal }) }
    secure = await o.secure(socket, o.nodeKey, secretOptions)
    const remoteId = secure.remoteId
    if (o.expectedId !== undefined && remoteId !== o.expectedId) {
      throw new AuthFailureError(o.expectedId, remoteId, `conn.ID (${remoteId}) dialed ID (${o.expectedId}) mismatch`)
    }
    const stream = new HandoverStream(secure)
    const exchangeOptions = { timeoutMs: o.nodeInfoTimeoutMs, ...(o.signal === undefined ? {} : { signal: o.signal }) }
    const remoteInfo = await exchangeNodeInfo(stream, o.ourInfo, exchangeOptions)
    try {
      validateNodeInfo(remoteInfo)
    } catch (err) {
      throw new RejectedError('invalid-nodeinfo', `invalid NodeInfo: ${(err as Error).message}`, { id: remoteId, addr: o.remote, cause: err })
    }
    if (remoteInfo.id !== remoteId) {
      throw new AuthFailureError(remoteId, remoteInfo.id, `conn.ID (${remoteId}) NodeInfo.ID (${remoteInfo.id}) mismatch`)
    }
    if (remoteInfo.id === o.ourInfo.id) {
      throw new RejectedError('self', `self ID<${remoteInfo.id}>`, { id: remoteInfo.id, addr: o.remote })
    }
    try {
      checkNodeInfoCompatible(o.ourInfo, remoteInfo)
    } catch (err) {
      throw new RejectedError('incompatible', `incompatible: ${(err as Error).message}`, { id: remoteId, addr: o.remote, cause: err })
    }
    return { stream, remoteInfo, remotePublicKey: secure.remotePublicKey, remoteId }
  } catch (err) {
    secure?.close()
    socket.destroy()
    throw err
  }
}
