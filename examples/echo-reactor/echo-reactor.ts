import { BaseReactor } from '@p2p/switch'
import { AbortError, type AbortOptions, type ChannelDescriptor, type Envelope, InvalidArgumentError, MisbehaviourError, type NodeID, type Peer } from '@p2p/types'

/** The channel the echo reactor claims (free in CometBFT's channel map). */
export const ECHO_CHANNEL = 0x7e

const PING = 0
const PONG = 1
const HEADER = 5 // kind (1 byte) + nonce (4 bytes, big-endian)
/** Largest payload: a peer cannot make us hold more than this per message. */
export const MAX_ECHO_PAYLOAD = 64 * 1024
/** Pings waiting for their pong at once; more is a caller error. */
const MAX_OUTSTANDING = 4096

interface Waiter {
  readonly peer: NodeID
  resolve(payload: Uint8Array): void
  reject(err: Error): void
}

function frame(kind: number, nonce: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length)
  out[0] = kind
  new DataView(out.buffer).setUint32(1, nonce)
  out.set(payload, HEADER)
  return out
}

/**
 * A reactor in a few lines: answers every ping on {@link ECHO_CHANNEL} with a pong carrying
 * the same payload, and lets the node ping a peer and await the answer. Malformed messages
 * are a `MisbehaviourError`, which makes the switch drop that peer.
 */
export class EchoReactor extends BaseReactor {
  readonly name = 'echo'
  readonly #waiting = new Map<number, Waiter>()
  #nonce = 0
  /** Pings answered, for the curious. */
  answered = 0

  channels(): ChannelDescriptor[] {
    return [{ id: ECHO_CHANNEL, priority: 1, sendQueueCapacity: 64, recvMessageCapacity: HEADER + MAX_ECHO_PAYLOAD }]
  }

  receive({ src, message }: Envelope): void {
    if (message.length < HEADER) throw new MisbehaviourError('bad-message', `echo message of ${message.length} bytes`)
    const nonce = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(1)
    const payload = message.subarray(HEADER)
    if (message[0] === PING) {
      // trySend: never wait on the read path; a peer that does not read its pongs loses them.
      if (src.trySend(ECHO_CHANNEL, frame(PONG, nonce, payload))) this.answered++
    } else if (message[0] === PONG) {
      const w = this.#waiting.get(nonce)
      if (w !== undefined && w.peer === src.id) {
        this.#waiting.delete(nonce)
        w.resolve(payload.slice())
      }
    } else {
      throw new MisbehaviourError('bad-message', `unknown echo message kind ${message[0]}`)
    }
  }

  /** Sends `payload` to `peer` and resolves with the echoed bytes. */
  ping(peer: Peer, payload: Uint8Array = new Uint8Array(0), options: AbortOptions = {}): Promise<Uint8Array> {
    if (payload.length > MAX_ECHO_PAYLOAD) return Promise.reject(new InvalidArgumentError(`echo payload over ${MAX_ECHO_PAYLOAD} bytes`))
    if (this.#waiting.size >= MAX_OUTSTANDING) return Promise.reject(new InvalidArgumentError('too many pings in flight'))
    const signals = [this.signal, peer.signal, ...(options.signal === undefined ? [] : [options.signal])]
    const signal = AbortSignal.any(signals)
    if (signal.aborted) return Promise.reject(new AbortError('ping aborted'))
    this.#nonce = (this.#nonce + 1) >>> 0
    const nonce = this.#nonce
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting.delete(nonce)
        reject(new AbortError('ping aborted'))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiting.set(nonce, {
        peer: peer.id,
        resolve: (p) => {
          signal.removeEventListener('abort', onAbort)
          resolve(p)
        },
        reject
      })
      void peer.send(ECHO_CHANNEL, frame(PING, nonce, payload), { signal }).then((queued) => {
        if (!queued && this.#waiting.delete(nonce)) {
          signal.removeEventListener('abort', onAbort)
          reject(new AbortError('ping could not be queued'))
        }
      })
    })
  }
}
