import { AbortError, HandshakeError, type NodeInfo, TimeoutError } from '@p2p/types'
import { encodeDelimited } from '@p2p/types/wire'
import type { SecretConnection } from '../secret/secret-connection.js'
import type { HandoverStream } from '../stream/handover-stream.js'
import { deadline } from '../util/deadline.js'
import { decodeNodeInfo, encodeNodeInfo } from './codec.js'

/** Largest delimited NodeInfo accepted (Go `maxNodeInfoSize`). */
export const MAX_NODE_INFO_SIZE = 10240
/** Go's hard-coded deadline for the NodeInfo exchange (`defaultHandshakeTimeout`). */
export const DEFAULT_NODE_INFO_TIMEOUT_MS = 3000

export interface ExchangeOptions {
  signal?: AbortSignal
  timeoutMs?: number
}

// Our NodeInfo is the same object connection after connection (NodeInfo is immutable by type;
// a changed one is a new object), and encoding it was ≈ 8 % of the bytes a connection set-up
// allocates: encode each object once.
const encoded = new WeakMap<NodeInfo, Uint8Array>()

/** Our NodeInfo as it goes on the wire (uvarint-delimited), encoded once per object. */
export function framedNodeInfo(ours: NodeInfo): Uint8Array {
  let framed = encoded.get(ours)
  if (framed === undefined) {
    framed = encodeDelimited(encodeNodeInfo(ours))
    encoded.set(ours, framed)
  }
  return framed
}

/**
 * Sends our NodeInfo and reads the peer's at the same time, as Go does (neither side waits for
 * the other). Returns the peer's NodeInfo, decoded but not yet validated.
 *
 * Throws {@link TimeoutError} (phase `nodeinfo`), {@link AbortError}, or {@link HandshakeError}
 * (stage `nodeinfo`) whose cause is the wire error (too large, malformed, closed).
 */
export async function exchangeNodeInfo(stream: HandoverStream, ours: NodeInfo, options: ExchangeOptions = {}): Promise<NodeInfo> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_NODE_INFO_TIMEOUT_MS
  const limit = deadline(timeoutMs, options.signal)
  const framed = framedNodeInfo(ours)
  try {
    stream.write(framed)
    const [theirs] = await Promise.all([stream.readDelimited(MAX_NODE_INFO_SIZE, { signal: limit.signal }), stream.drained()])
    return decodeNodeInfo(theirs)
  } catch (err) {
    if (options.signal?.aborted === true) throw new AbortError('NodeInfo exchange aborted', { cause: err })
    if (limit.timedOut) throw new TimeoutError('nodeinfo', timeoutMs)
    throw new HandshakeError('nodeinfo', `NodeInfo exchange failed: ${(err as Error).message}`, { cause: err })
  } finally {
    limit.clear()
  }
}

/**
 * {@link exchangeNodeInfo} as the transport runs it, on a SecretConnection that is not started
 * yet: the connection's own deadline (re-armed for this stage) and the abort listener the
 * handshake left on it, one sealed write, the peer's NodeInfo read frame by frame in pull mode
 * (bytes after it wait for the MConnection). Same errors as {@link exchangeNodeInfo}.
 */
export async function exchangeNodeInfoOn(conn: SecretConnection, ours: NodeInfo, options: ExchangeOptions = {}): Promise<NodeInfo> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_NODE_INFO_TIMEOUT_MS
  try {
    conn.armDeadline(timeoutMs, () => new TimeoutError('nodeinfo', timeoutMs))
    const framed = framedNodeInfo(ours)
    // A listener may have sent it already, behind its auth signature.
    if (conn.sentEarly !== framed) conn.sendNow(framed)
    return decodeNodeInfo(await conn.readMessage(MAX_NODE_INFO_SIZE))
  } catch (err) {
    if (options.signal?.aborted === true) throw new AbortError('NodeInfo exchange aborted', { cause: err })
    if (err instanceof TimeoutError && err.phase === 'nodeinfo') throw err
    throw new HandshakeError('nodeinfo', `NodeInfo exchange failed: ${(err as Error).message}`, { cause: err })
  } finally {
    // The deadline guards this stage only: left armed, it would close the connection later.
    conn.disarmDeadline()
  }
}
