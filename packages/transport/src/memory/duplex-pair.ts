import { Duplex } from 'node:stream'

/**
 * Two connected in-memory duplex streams: what one writes, the other reads, with backpressure
 * (a write completes only once the peer's read buffer has room). Destroying one ends the other,
 * as a TCP reset would.
 */
export function duplexPair(): [Duplex, Duplex] {
  const left = new Endpoint()
  const right = new Endpoint()
  left.peer = right
  right.peer = left
  return [left, right]
}

class Endpoint extends Duplex {
  peer!: Endpoint
  #pendingWrite: (() => void) | undefined

  constructor() {
    super({ allowHalfOpen: false })
  }

  override _read(): void {
    // Our reader wants more: release the peer's blocked write.
    const release = this.peer.#pendingWrite
    this.peer.#pendingWrite = undefined
    release?.()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.peer.destroyed) {
      callback(new Error('peer closed'))
      return
    }
    if (this.peer.push(chunk)) callback()
    else this.#pendingWrite = callback
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null)
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const release = this.#pendingWrite
    this.#pendingWrite = undefined
    release?.()
    const peer = this.peer
    if (!peer.destroyed) {
      peer.push(null)
      setImmediate(() => peer.destroy())
    }
    callback(error)
  }
}
