import type { Duplex } from 'node:stream'
import {
  DialError,
  type Metrics,
  type NodeID,
  type NodeInfo,
  type NodeKey,
  type PeerConnection,
  type PeerFilter,
  type RawConnInfo,
  createNetAddress
} from '@p2p/types'
import { HandshakeMetrics } from './handshake-metrics.js'
import { type MultiplexerFactory, UpgradedConnection } from './peer-connection.js'
import { type SecureUpgrader, upgrade } from './upgrade.js'
import type { ConnAbort } from './util/conn-abort.js'

export interface ConnectionUpgraderInit {
  nodeKey: NodeKey
  /** Our NodeInfo, read at each handshake. */
  nodeInfo: () => NodeInfo
  secure: SecureUpgrader
  multiplexer: MultiplexerFactory
  peerFilter?: PeerFilter | undefined
  handshakeTimeoutMs: number
  nodeInfoTimeoutMs: number
  /** Inbound: send our NodeInfo behind our auth signature (see `UpgradeOptions.earlyNodeInfo`). */
  earlyNodeInfo: boolean
  /** Told about every failed connection, once (the transport emits `connection:rejected`). */
  onRejected: (remote: string, outbound: boolean, error: Error) => void
  /** Handshakes in flight and their duration; nothing is measured without it. */
  metrics?: Metrics | undefined
}

export interface UpgradeContext {
  raw: RawConnInfo
  /** `ip:port` of the remote end, for errors and events. */
  remote: string
  /** The ID we dialled (outbound only). */
  expectedId?: NodeID
  /** The connection's abort handle (aborted by the transport's stop, an eviction or the caller). */
  abort: ConnAbort
  /** Work before the handshake (filters, waiting for the first bytes); a throw refuses. */
  before?: () => Promise<void>
  /** Frees the transport's bookkeeping for this connection; called once, when it is gone. */
  release: () => void
  /** Inbound: the peer must send its first bytes within this many ms (before we send anything). */
  firstBytesTimeoutMs?: number
  /** Told once when the first bytes arrived. */
  onFirstBytes?: () => void
  /** Inbound, with other handshakes in flight: our key leaves with our signature (one write). */
  holdKey?: boolean
}

/**
 * The one upgrade-and-register path both transports use: optional pre-handshake work, the
 * secret handshake, NodeInfo exchange and checks (with the peer filter's stages), then an
 * {@link UpgradedConnection} tracked until it is gone. A failure destroys the stream, releases
 * the transport's slot, reports the error once and rethrows it. When the connection's signal was
 * aborted with an error as reason (an eviction), that error is reported instead of the abort.
 */
export class ConnectionUpgrader {
  readonly #init: ConnectionUpgraderInit
  readonly #live = new Set<PeerConnection>()
  readonly #metrics: HandshakeMetrics | undefined

  constructor(init: ConnectionUpgraderInit) {
    this.#init = init
    this.#metrics = init.metrics === undefined ? undefined : new HandshakeMetrics(init.metrics)
  }

  async upgrade(stream: Duplex, ctx: UpgradeContext): Promise<PeerConnection> {
    const init = this.#init
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      ctx.release()
    }
    let ended: ((error: Error | undefined) => void) | undefined
    try {
      await ctx.before?.()
      ended = this.#metrics?.start(ctx.raw.outbound)
      const up = await upgrade(stream, {
        nodeKey: init.nodeKey,
        ourInfo: init.nodeInfo(),
        secure: init.secure,
        ...(ctx.expectedId === undefined ? {} : { expectedId: ctx.expectedId }),
        remote: ctx.remote,
        raw: ctx.raw,
        peerFilter: init.peerFilter,
        secretTimeoutMs: init.handshakeTimeoutMs,
        nodeInfoTimeoutMs: init.nodeInfoTimeoutMs,
        earlyNodeInfo: init.earlyNodeInfo,
        abort: ctx.abort,
        ...(ctx.firstBytesTimeoutMs === undefined ? {} : { firstBytesTimeoutMs: ctx.firstBytesTimeoutMs }),
        ...(ctx.onFirstBytes === undefined ? {} : { onFirstBytes: ctx.onFirstBytes }),
        ...(ctx.holdKey === true ? { holdKey: true } : {})
      })
      const conn: UpgradedConnection = new UpgradedConnection({
        stream: up.stream,
        remoteInfo: up.remoteInfo,
        remoteAddr: createNetAddress(up.remoteId, ctx.raw.remoteIp, ctx.raw.remotePort),
        remotePublicKey: up.remotePublicKey,
        outbound: ctx.raw.outbound,
        multiplexer: init.multiplexer,
        onGone: () => {
          this.#live.delete(conn)
          release()
        }
      })
      this.#live.add(conn)
      ended?.(undefined)
      return conn
    } catch (err) {
      stream.destroy()
      release()
      let error: Error = err instanceof Error ? err : new DialError(ctx.remote, String(err))
      // An abort destroys the socket, so the stage in progress fails with whatever that gave:
      // report the abort instead (an eviction's RejectedError; an AbortError unless it is one).
      const reason = ctx.abort.aborted ? ctx.abort.reason : undefined
      if (reason !== undefined && (reason.name !== 'AbortError' || error.name !== 'AbortError')) error = reason
      ended?.(error)
      init.onRejected(ctx.remote, ctx.raw.outbound, error)
      throw error
    }
  }

  /** Closes every upgraded connection still open. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#live].map((c) => c.close()))
  }
}
