import { AbortError, HandshakeError, type NodeInfo, TimeoutError } from '@p2p/types'
import { encodeDelimited } from '@p2p/types/wire'
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
  const framed = encodeDelimited(encodeNodeInfo(ours))
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
