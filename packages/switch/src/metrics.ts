import type { ConnectionStatus, Counter, Gauge, MetricLabels, Metrics, NodeID } from '@p2p/types'

/** Go's label value for a channel (`fmt.Sprintf("%#x", chID)`: `0x20`, `0x0`). */
export function channelLabel(id: number): string {
  return `0x${id.toString(16)}`
}

const CHANNEL_LABELS: readonly string[] = Array.from({ length: 256 }, (_, i) => channelLabel(i))

interface ByteTallies {
  readonly sent: Float64Array
  readonly recv: Float64Array
  dirty: boolean
}

function tallies(): ByteTallies {
  return { sent: new Float64Array(256), recv: new Float64Array(256), dirty: false }
}

/** The `message_type` of a message whose reactor names none (Go always has a type name). */
export const UNKNOWN_MESSAGE_TYPE = 'unknown'
/** Distinct `message_type` values kept; past it (a reactor naming messages by content) the rest count as unknown. */
const MAX_MESSAGE_TYPES = 64
const MAX_MESSAGE_TYPE_LENGTH = 100

/** Names a message for the `message_type` label (the switch asks the channel's reactor). */
export type MessageTypeOf = (channelId: number, message: Uint8Array) => string | undefined

/**
 * The switch's metrics under Go's names. Byte counters are tallied in typed arrays on the hot
 * path and handed to the sink in batches (`flush`): in Go, per-message label lookups cost more
 * CPU than the sending itself (cometbft#3184). Per-peer labels are opt-in for the same reason.
 */
export class SwitchMetrics {
  readonly #peers: Gauge
  readonly #inbound: Gauge
  readonly #outbound: Gauge
  readonly #recvBytes: Counter
  readonly #sendBytes: Counter
  readonly #pending: Gauge
  readonly #perPeer: boolean
  readonly #all = tallies()
  readonly #byPeer = new Map<NodeID, ByteTallies>()
  readonly #messageRecvBytes: Counter
  readonly #messageSendBytes: Counter
  readonly #messageTypeOf: MessageTypeOf
  /** Every `message_type` value seen (index 0: unknown), bounded by MAX_MESSAGE_TYPES. */
  readonly #typeNames: string[] = [UNKNOWN_MESSAGE_TYPE]
  readonly #typeIndex = new Map<string, number>([[UNKNOWN_MESSAGE_TYPE, 0]])
  /** Bytes by type index since the last flush. */
  readonly #typeRecv = new Float64Array(MAX_MESSAGE_TYPES)
  readonly #typeSent = new Float64Array(MAX_MESSAGE_TYPES)
  #typeDirty = false
  /**
   * Per channel, the last name its reactor gave and its index: reactors return a few constant
   * strings, so an identity check usually stands in for the map lookup.
   */
  readonly #lastType: Array<string | undefined> = new Array(256).fill(undefined)
  readonly #lastIndex = new Uint8Array(256)

  /**
   * @param messageTypeOf - names a message for Go's `message_{receive,send}_bytes_total`
   *   (the switch asks the channel's reactor, `Reactor.messageType`)
   */
  constructor(metrics: Metrics, perPeerLabels: boolean, messageTypeOf: MessageTypeOf = () => undefined) {
    this.#perPeer = perPeerLabels
    this.#messageTypeOf = messageTypeOf
    const labelNames = perPeerLabels ? ['peer_id', 'chID'] : ['chID']
    this.#peers = metrics.registerGauge('cometbft_p2p_peers', { help: 'Number of peers.' })
    this.#inbound = metrics.registerGauge('cometbft_p2p_peers_inbound', { help: 'Number of inbound peers.' })
    this.#outbound = metrics.registerGauge('cometbft_p2p_peers_outbound', { help: 'Number of outbound peers.' })
    this.#recvBytes = metrics.registerCounter('cometbft_p2p_peer_receive_bytes_total', {
      help: 'Number of bytes received from a given peer.',
      labelNames
    })
    this.#sendBytes = metrics.registerCounter('cometbft_p2p_peer_send_bytes_total', {
      help: 'Number of bytes sent to a given peer.',
      labelNames
    })
    // Go's name and help; like Go (peer.go metricsReporter) the value is the number of messages
    // waiting in the peer's send queues, not bytes, read on the flush tick (Go: every 10 s).
    this.#pending = metrics.registerGauge('cometbft_p2p_peer_pending_send_bytes', {
      help: 'Number of pending bytes to be sent to a given peer.',
      labelNames: perPeerLabels ? ['peer_id'] : []
    })
    // Go's per-message-type series (p2p/metrics.go). Go's label is the Go type of the decoded
    // message (`reflect` + `<package>_<Type>`, e.g. `p2p_PexRequest`); the switch does not decode,
    // so the channel's reactor names it (`Reactor.messageType`, PEX gives Go's values) and a
    // message it does not name counts as `unknown`. Unlike Go, a received message is counted
    // before its reactor decodes it (Go counts only what decoded), and every queued send counts
    // (Go: only `SendEnvelope` / `TrySendEnvelope`). Batched like the byte counters above.
    this.#messageRecvBytes = metrics.registerCounter('cometbft_p2p_message_receive_bytes_total', {
      help: 'Number of bytes of each message type received.',
      labelNames: ['message_type']
    })
    this.#messageSendBytes = metrics.registerCounter('cometbft_p2p_message_send_bytes_total', {
      help: 'Number of bytes of each message type sent.',
      labelNames: ['message_type']
    })
  }

  peerAdded(outbound: boolean): void {
    this.#peers.increment(1)
    ;(outbound ? this.#outbound : this.#inbound).increment(1)
  }

  peerRemoved(id: NodeID, outbound: boolean): void {
    this.#peers.decrement(1)
    ;(outbound ? this.#outbound : this.#inbound).decrement(1)
    if (this.#perPeer) {
      const t = this.#byPeer.get(id)
      if (t !== undefined) this.#flushOne(t, id)
      this.#byPeer.delete(id)
      // a gone peer has nothing pending (Go leaves its last value behind)
      this.#pending.set(0, { peer_id: id })
    }
  }

  /** Hot path: one array add, and with `message` its reactor's type name and one map add. */
  received(id: NodeID, channelId: number, bytes: number, message?: Uint8Array): void {
    const t = this.#tallies(id)
    t.recv[channelId] = (t.recv[channelId] ?? 0) + bytes
    t.dirty = true
    if (message !== undefined) this.#tallyType(this.#typeRecv, channelId, message)
  }

  /** Hot path: one array add, and with `message` its reactor's type name and one map add. */
  sent(id: NodeID, channelId: number, bytes: number, message?: Uint8Array): void {
    const t = this.#tallies(id)
    t.sent[channelId] = (t.sent[channelId] ?? 0) + bytes
    t.dirty = true
    if (message !== undefined) this.#tallyType(this.#typeSent, channelId, message)
  }

  #tallyType(into: Float64Array, channelId: number, message: Uint8Array): void {
    let type: string | undefined
    try {
      type = this.#messageTypeOf(channelId, message)
    } catch {
      type = undefined
    }
    let index: number
    if (type !== undefined && type === this.#lastType[channelId]) {
      index = this.#lastIndex[channelId] as number
    } else {
      index = this.#indexOf(type)
      this.#lastType[channelId] = type
      this.#lastIndex[channelId] = index
    }
    into[index] = (into[index] as number) + message.length
    this.#typeDirty = true
  }

  /** The index of a `message_type` value, admitting a new one within the bounds; else unknown's (0). */
  #indexOf(type: string | undefined): number {
    if (typeof type !== 'string') return 0
    const known = this.#typeIndex.get(type)
    if (known !== undefined) return known
    if (type.length === 0 || type.length > MAX_MESSAGE_TYPE_LENGTH || this.#typeNames.length >= MAX_MESSAGE_TYPES) return 0
    const index = this.#typeNames.length
    this.#typeNames.push(type)
    this.#typeIndex.set(type, index)
    return index
  }

  /**
   * Hands the tallies gathered since the last flush to the sink, and sets the pending-send gauge
   * from `peers` (one `status()` per peer per tick; nothing on the message path).
   */
  flush(peers: Iterable<{ readonly id: NodeID; status(): ConnectionStatus }> = []): void {
    if (this.#perPeer) {
      for (const [id, t] of this.#byPeer) this.#flushOne(t, id)
    } else {
      this.#flushOne(this.#all, undefined)
    }
    let total = 0
    for (const p of peers) {
      const n = pendingMessages(p)
      if (this.#perPeer) this.#pending.set(n, { peer_id: p.id })
      total += n
    }
    if (!this.#perPeer) this.#pending.set(total)
    if (this.#typeDirty) {
      this.#typeDirty = false
      for (const [into, counter] of [
        [this.#typeRecv, this.#messageRecvBytes],
        [this.#typeSent, this.#messageSendBytes]
      ] as const) {
        for (let i = 0; i < this.#typeNames.length; i++) {
          const bytes = into[i] as number
          if (bytes === 0) continue
          counter.increment(bytes, { message_type: this.#typeNames[i] as string })
          into[i] = 0
        }
      }
    }
  }

  #tallies(id: NodeID): ByteTallies {
    if (!this.#perPeer) return this.#all
    let t = this.#byPeer.get(id)
    if (t === undefined) {
      t = tallies()
      this.#byPeer.set(id, t)
    }
    return t
  }

  #flushOne(t: ByteTallies, id: NodeID | undefined): void {
    if (!t.dirty) return
    t.dirty = false
    for (let ch = 0; ch < 256; ch++) {
      const r = t.recv[ch] ?? 0
      const s = t.sent[ch] ?? 0
      if (r === 0 && s === 0) continue
      const labels: MetricLabels = id === undefined ? { chID: CHANNEL_LABELS[ch] as string } : { peer_id: id, chID: CHANNEL_LABELS[ch] as string }
      if (r !== 0) this.#recvBytes.increment(r, labels)
      if (s !== 0) this.#sendBytes.increment(s, labels)
      t.recv[ch] = 0
      t.sent[ch] = 0
    }
  }
}

/** Messages waiting in a peer's send queues (0 when its status cannot be read). */
function pendingMessages(p: { status(): ConnectionStatus }): number {
  try {
    let n = 0
    for (const c of p.status().channels) n += c.sendQueueSize
    return n
  } catch {
    return 0
  }
}
