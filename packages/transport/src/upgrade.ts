import type { Duplex } from 'node:stream'
import {
  AuthFailureError,
  checkNodeInfoCompatible,
  type NodeID,
  type NodeInfo,
  type NodeKey,
  type PeerFilter,
  type RawConnInfo,
  RejectedError,
  validateNodeInfo
} from '@p2p/types'
import type { ByteStream } from './byte-stream.js'
import { exchangeNodeInfo, exchangeNodeInfoOn, framedNodeInfo } from './nodeinfo/exchange.js'
import { askPeerFilter } from './peer-filter.js'
import { SecretConnection } from './secret/secret-connection.js'
import type { ConnAbort } from './util/conn-abort.js'
import { HandoverStream } from './stream/handover-stream.js'

/** An authenticated encrypted stream: what the secret handshake yields. */
export interface SecureStream extends ByteStream {
  readonly remotePublicKey: Uint8Array
  readonly remoteId: NodeID
}

/** Options the upgrade passes to a {@link SecureUpgrader}. */
export interface SecureUpgraderOptions {
  signal?: AbortSignal
  timeoutMs?: number
  /**
   * Inbound: wait at most this long for the peer's first bytes before sending anything, then
   * start `timeoutMs` (an upgrader may ignore it; the transport then gets no early drop).
   */
  firstBytesTimeoutMs?: number
  /** Told once when the first bytes arrived. */
  onFirstBytes?: () => void
  /**
   * Plaintext to send sealed right behind our auth signature, in the same write, before the
   * peer's signature is verified (an inbound connection's NodeInfo). An upgrader that ignores it
   * returns a stream without `sentEarly`, and the NodeInfo is sent after the handshake instead.
   */
  earlyData?: Uint8Array
  /** Inbound: send our ephemeral key with our signature, in one write (a busy listener). */
  holdKey?: boolean
}

/** Runs the secret handshake over a raw duplex (the seam for the SecretConnection). */
export type SecureUpgrader = (socket: Duplex, nodeKey: NodeKey, options: SecureUpgraderOptions) => Promise<SecureStream>

export interface UpgradeOptions {
  nodeKey: NodeKey
  ourInfo: NodeInfo
  secure: SecureUpgrader
  /** The ID we dialled; absent for inbound connections. */
  expectedId?: NodeID
  /** Remote socket address, for error messages. */
  remote: string
  /** The raw connection, as the peer filter sees it. */
  raw: RawConnInfo
  /** Asked `denyAuthenticated` once the handshake proved the ID, `denyNodeInfo` after the checks. */
  peerFilter?: PeerFilter | undefined
  secretTimeoutMs: number
  nodeInfoTimeoutMs: number
  /** Aborting destroys the socket: the stage in progress fails at once. */
  abort?: ConnAbort
  /** Inbound: see {@link SecureUpgraderOptions.firstBytesTimeoutMs}. */
  firstBytesTimeoutMs?: number
  onFirstBytes?: () => void
  /**
   * Inbound only: send our NodeInfo right behind our auth signature instead of after the peer's
   * signature and the `denyAuthenticated` filter, saving the peer and us a round of wake-ups and
   * a write each. Our NodeInfo is public (Go hands it to every peer that completes the handshake)
   * and the peer is still refused at the same stages; what changes is only that a peer refused
   * by `denyAuthenticated` (or failing its signature) has received it. Outbound connections never
   * send early: the dialled ID must be proven first, as in Go.
   */
  earlyNodeInfo?: boolean
  /** Inbound: see {@link SecureUpgraderOptions.holdKey}. */
  holdKey?: boolean
}

export interface Upgraded {
  stream: ByteStream
  remoteInfo: NodeInfo
  remotePublicKey: Uint8Array
  remoteId: NodeID
}

/**
 * Turns a raw connection into an authenticated peer whose NodeInfo passed every check, in Go's
 * order: secret handshake, dialled ID, NodeInfo exchange, validate, NodeInfo ID == key ID, not
 * ourselves, compatible; the peer filter's `denyAuthenticated` right after the dialled-ID check
 * (before any NodeInfo byte is sent, unless `earlyNodeInfo` sent ours on an inbound connection)
 * and `denyNodeInfo` last. Closes the socket on any failure.
 */
export async function upgrade(socket: Duplex, o: UpgradeOptions): Promise<Upgraded> {
  let secure: SecureStream | undefined
  try {
    const abort = o.abort
    if (abort !== undefined) {
      if (abort.aborted) throw abort.reason
      abort.listen(() => socket.destroy())
    }
    const secretOptions: SecureUpgraderOptions = { timeoutMs: o.secretTimeoutMs }
    if (o.firstBytesTimeoutMs !== undefined) secretOptions.firstBytesTimeoutMs = o.firstBytesTimeoutMs
    if (o.onFirstBytes !== undefined) secretOptions.onFirstBytes = o.onFirstBytes
    if (o.earlyNodeInfo === true && o.expectedId === undefined) secretOptions.earlyData = framedNodeInfo(o.ourInfo)
    if (o.holdKey === true && o.expectedId === undefined) secretOptions.holdKey = true
    secure = await o.secure(socket, o.nodeKey, secretOptions)
    const remoteId = secure.remoteId
    if (o.expectedId !== undefined && remoteId !== o.expectedId) {
      throw new AuthFailureError(o.expectedId, remoteId, `conn.ID (${remoteId}) dialed ID (${o.expectedId}) mismatch`)
    }
    const filter = o.peerFilter
    if (filter?.denyAuthenticated !== undefined) {
      await askPeerFilter(() => filter.denyAuthenticated?.(remoteId, o.raw), `peer ${remoteId}`, { addr: o.remote, id: remoteId })
    }
    const exchangeOptions = { timeoutMs: o.nodeInfoTimeoutMs }
    // Our SecretConnection reads the NodeInfo itself, before it is started (one deadline and one
    // abort listener for the whole set-up); any other secure stream goes through a HandoverStream.
    let stream: ByteStream
    let remoteInfo: NodeInfo
    if (secure instanceof SecretConnection) {
      stream = secure
      remoteInfo = await exchangeNodeInfoOn(secure, o.ourInfo, exchangeOptions)
    } else {
      const handover = new HandoverStream(secure)
      stream = handover
      remoteInfo = await exchangeNodeInfo(handover, o.ourInfo, exchangeOptions)
    }
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
    if (filter?.denyNodeInfo !== undefined) {
      await askPeerFilter(() => filter.denyNodeInfo?.(remoteInfo, o.raw), `NodeInfo of ${remoteId}`, { addr: o.remote, id: remoteId })
    }
    abort?.listen(undefined)
    return { stream, remoteInfo, remotePublicKey: secure.remotePublicKey, remoteId }
  } catch (err) {
    o.abort?.listen(undefined)
    secure?.close()
    socket.destroy()
    throw err
  }
}
