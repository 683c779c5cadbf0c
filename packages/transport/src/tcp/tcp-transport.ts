import { connect, createServer, type Server, type Socket } from 'node:net'
import {
  AbortError,
  type AbortOptions,
  type ComponentLogger,
  type ConnFilter,
  DialError,
  dialString,
  disabledLogger,
  type Logger,
  type Metrics,
  type NetAddress,
  type NodeInfo,
  type NodeKey,
  NotStartedError,
  type PeerConnection,
  type PeerFilter,
  type RawConnInfo,
  RejectedError,
  TimeoutError,
  type Transport,
  type TransportEvents,
  TypedEventEmitter,
  createNetAddress
} from '@p2p/types'
import { AcceptQueue } from '../accept-queue.js'
import { ConnectionUpgrader } from '../connection-upgrader.js'
import type { MultiplexerFactory } from '../peer-connection.js'
import { askPeerFilter } from '../peer-filter.js'
import type { SecureUpgrader } from '../upgrade.js'
import { ConnAbort } from '../util/conn-abort.js'
import { runConnFilters } from './conn-filters.js'
import { ConnSet } from './conn-set.js'
import { type InboundSlot, InboundSlots } from './inbound-slots.js'

/** Options of the TCP transport, with Go v0.34's effective defaults. */
export interface TcpTransportInit {
  /** `host:port` to listen on (port 0 picks one). Default `0.0.0.0:26656` (Go `laddr`). */
  listen?: string
  /**
   * Dial only (a crawler): `start` opens no listener (`listen` is ignored), `accept` yields
   * nothing and `listenAddress` throws `NotStartedError`. Go's `MultiplexTransport.Dial` works
   * without `Listen` too. Default false.
   */
  dialOnly?: boolean
  /** TCP connect timeout. Go hard-codes 1 s (config `dial_timeout` is not wired in v0.34). */
  dialTimeoutMs?: number
  /** Secret-handshake deadline. Go hard-codes 3 s (config `handshake_timeout` is not wired). */
  handshakeTimeoutMs?: number
  /** NodeInfo-exchange deadline, a separate 3 s in Go. */
  nodeInfoTimeoutMs?: number
  /** Deadline shared by the connection filters (Go 5 s). */
  filterTimeoutMs?: number
  /** Allow several connections from one IP (Go `allow_duplicate_ip`, default false). */
  allowDuplicateIp?: boolean
  /** Extra connection filters, run on inbound and outbound connections before the handshake. */
  connFilters?: readonly ConnFilter[]
  /** Inbound connections held at once, 0 = no limit (Go: max inbound + unconditional peers). */
  maxInboundConnections?: number
  /**
   * Inbound connections in the handshake or waiting for `accept()` at once. When all are taken a
   * new socket evicts the oldest stalled one (see `firstBytesTimeoutMs`), and is refused
   * (`too-many-handshakes`) only when none is stalled. Go has no such bound (a half-open
   * handshake flood costs it a goroutine and 3 s each; its `LimitListener` locks honest peers out).
   */
  maxPendingInbound?: number
  /** Pending inbound connections one IP may hold (with `allowDuplicateIp`; otherwise 1). */
  maxPendingPerIp?: number
  /**
   * An inbound socket must send its first handshake bytes within this many ms (an honest dialler
   * sends its ephemeral key as soon as it connects), and a handshake older than this counts as
   * stalled: the first to be evicted when the pending slots are full.
   */
  firstBytesTimeoutMs?: number
  /**
   * Inbound: send our NodeInfo in the same write as our handshake signature, before the peer's
   * signature is verified, instead of one round later (Go's order). The bytes on the wire are
   * the same; a Go or our dialler then finds everything it needs in one read, which saves both
   * sides a wake-up and a write. The one difference a peer can see: one refused by
   * `denyAuthenticated` or failing its signature has received our (public) NodeInfo. Outbound
   * connections always prove the dialled ID first. Default true.
   */
  earlyNodeInfo?: boolean
}

/** The defaults of {@link TcpTransportInit}'s fields: Go v0.34's values where Go has one. */
export const TCP_TRANSPORT_DEFAULTS = {
  listen: '0.0.0.0:26656',
  dialOnly: false,
  dialTimeoutMs: 1000,
  handshakeTimeoutMs: 3000,
  nodeInfoTimeoutMs: 3000,
  filterTimeoutMs: 5000,
  allowDuplicateIp: false,
  connFilters: [] as readonly ConnFilter[],
  maxInboundConnections: 0,
  maxPendingInbound: 64,
  maxPendingPerIp: 4,
  firstBytesTimeoutMs: 1000,
  earlyNodeInfo: true
} satisfies Required<TcpTransportInit>

/** What a {@link TcpTransport} needs from the node (the `components` of {@link tcpTransport}). */
export interface TcpTransportComponents {
  /** Our identity: it signs the secret handshake and gives the transport's node ID. */
  nodeKey: NodeKey
  /** Our NodeInfo, read at each handshake (its listen address may be set after `start`). */
  nodeInfo: () => NodeInfo
  /** Logs as `p2p:transport`. Default: disabled. */
  logger?: ComponentLogger
  /** Handshakes in flight and their duration (`cometbft_p2p_handshake…`). */
  metrics?: Metrics
  /**
   * Asked at each stage: `denyInboundConnection` before any byte of an inbound socket is read,
   * `denyOutboundConnection` before dialling, `denyAuthenticated` once the handshake proved the
   * ID, `denyNodeInfo` after the NodeInfo checks. A refusal is a `RejectedError` (`filtered`, or
   * the filter's own `banned` one) reported as `connection:rejected`.
   */
  peerFilter?: PeerFilter
}

/** Internal seams, filled with the SecretConnection and MConnection by the package factory. */
export interface TcpTransportInternals {
  secure: SecureUpgrader
  multiplexer: MultiplexerFactory
}

/** Go's MultiplexTransport over TCP. */
export class TcpTransport extends TypedEventEmitter<TransportEvents> implements Transport {
  readonly [Symbol.toStringTag] = '@p2p/transport:tcp'
  readonly #opts: Required<TcpTransportInit>
  readonly #components: TcpTransportComponents
  readonly #log: Logger
  readonly #upgrader: ConnectionUpgrader
  readonly #connSet = new ConnSet()
  readonly #slots: InboundSlots
  /** Per-dial abort handles, aborted by `stop` (one listener per connection, not per shared signal). */
  readonly #dials = new Set<ConnAbort>()
  #server: Server | undefined
  /** Set by `start`, cleared by `stop`; with `listen: false` there is no server. */
  #started = false
  #queue = new AcceptQueue()
  #address: NetAddress | undefined

  constructor(components: TcpTransportComponents, init: TcpTransportInit, internals: TcpTransportInternals) {
    super()
    this.#components = components
    this.#opts = { ...TCP_TRANSPORT_DEFAULTS, ...init }
    this.#log = components.logger?.forComponent('p2p:transport') ?? disabledLogger()
    this.#slots = new InboundSlots({
      max: this.#opts.maxPendingInbound,
      maxPerIp: this.#opts.maxPendingPerIp,
      stallMs: this.#opts.firstBytesTimeoutMs
    })
    this.#upgrader = new ConnectionUpgrader({
      nodeKey: components.nodeKey,
      nodeInfo: components.nodeInfo,
      secure: internals.secure,
      multiplexer: internals.multiplexer,
      peerFilter: components.peerFilter,
      handshakeTimeoutMs: this.#opts.handshakeTimeoutMs,
      nodeInfoTimeoutMs: this.#opts.nodeInfoTimeoutMs,
      earlyNodeInfo: this.#opts.earlyNodeInfo,
      onRejected: (remote, outbound, error) => this.#rejected(remote, outbound, error),
      metrics: components.metrics
    })
  }

  async start(): Promise<void> {
    if (this.#started) return
    this.#queue = new AcceptQueue()
    if (this.#opts.dialOnly) {
      this.#queue.end()
      this.#started = true
      return
    }
    const { host, port } = splitHostPort(this.#opts.listen)
    const server = createServer({ noDelay: true, pauseOnConnect: true })
    if (this.#opts.maxInboundConnections > 0) server.maxConnections = this.#opts.maxInboundConnections
    server.on('connection', (socket) => this.#onInbound(socket))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port }, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (err) => this.#log.error('listener error %s', err.message))
    this.#server = server
    this.#started = true
    const bound = server.address()
    if (bound === null || typeof bound === 'string') throw new DialError(this.#opts.listen, 'listener has no TCP address')
    this.#address = createNetAddress(this.#components.nodeKey.id, bound.address, bound.port)
  }

  async stop(): Promise<void> {
    if (!this.#started) return
    this.#started = false
    const server = this.#server
    this.#server = undefined
    this.#slots.abortAll()
    for (const c of this.#dials) c.abort()
    this.#dials.clear()
    const unclaimed = this.#queue.end()
    const closing = new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))
    await Promise.all([...unclaimed.map((c) => c.close()), this.#upgrader.closeAll()])
    await closing
  }

  listenAddress(): NetAddress {
    if (this.#address === undefined || this.#server === undefined) throw new NotStartedError('transport is not listening')
    return this.#address
  }

  accept(options: AbortOptions = {}): AsyncIterable<PeerConnection> {
    return this.#queue.iterate(options.signal)
  }

  async dial(addr: NetAddress, options: AbortOptions = {}): Promise<PeerConnection> {
    if (!this.#started) throw new NotStartedError('transport is not started')
    if (options.signal?.aborted === true) throw new AbortError()
    const remote = socketKey(addr.ip, addr.port)
    if (this.#connSet.has(remote)) throw new RejectedError('duplicate-conn', `duplicate CONN<${remote}>`, { addr: remote, id: addr.id })
    const own = new ConnAbort()
    if (options.signal !== undefined) own.follow(options.signal)
    this.#dials.add(own)
    try {
      const filter = this.#components.peerFilter
      if (filter?.denyOutboundConnection !== undefined) {
        try {
          await askPeerFilter(() => filter.denyOutboundConnection?.(addr), `dial ${remote}`, { addr: remote, id: addr.id })
        } catch (err) {
          this.#rejected(remote, true, err as Error)
          throw err
        }
      }
      const socket = await this.#connect(addr, own)
      return await this.#upgradeSocket(socket, { outbound: true, expected: addr, abort: own })
    } finally {
      own.done()
      this.#dials.delete(own)
    }
  }

  #connect(addr: NetAddress, abort: ConnAbort): Promise<Socket> {
    const remote = dialString(addr)
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: addr.ip, port: addr.port, noDelay: true })
      const timer = setTimeout(() => fail(new TimeoutError('dial', this.#opts.dialTimeoutMs, `dial ${remote} timed out after ${this.#opts.dialTimeoutMs} ms`)), this.#opts.dialTimeoutMs)
      const onAbort = (): void => fail(new AbortError(`dial ${remote} aborted`))
      const cleanup = (): void => {
        clearTimeout(timer)
        abort.listen(undefined)
        socket.off('error', onError)
      }
      const fail = (err: Error): void => {
        cleanup()
        socket.destroy()
        reject(err)
      }
      const onError = (err: Error): void => fail(new DialError(remote, `dial ${remote}: ${err.message}`, { cause: err }))
      socket.once('error', onError)
      abort.listen(onAbort)
      socket.once('connect', () => {
        cleanup()
        resolve(socket)
      })
    })
  }

  #onInbound(socket: Socket): void {
    // Errors before the handshake takes the socket are reported by the handshake (or ignored).
    socket.on('error', () => {})
    const ip = normalizeIp(socket.remoteAddress ?? '')
    const remote = socketKey(ip, socket.remotePort ?? 0)
    const slot = this.#server === undefined ? new RejectedError('too-many-handshakes', 'transport is stopping', { addr: remote }) : this.#slots.admit(socket, ip)
    if (slot instanceof RejectedError) {
      socket.destroy()
      this.#rejected(remote, false, slot)
      return
    }
    this.#upgradeSocket(socket, { outbound: false, abort: slot.abort, slot })
      .then((conn) => {
        if (this.#server === undefined) {
          this.#slots.release(slot)
          return conn.close()
        }
        slot.upgraded = true
        // The slot stays taken until a consumer takes the connection from the queue.
        this.#queue.push(conn, () => this.#slots.release(slot))
      })
      .catch(() => this.#slots.release(slot))
  }

  #upgradeSocket(socket: Socket, ctx: { outbound: boolean; expected?: NetAddress; abort: ConnAbort; slot?: InboundSlot }): Promise<PeerConnection> {
    // A dialled socket's far end is the address dialled: no getpeername() call for it.
    const expected = ctx.expected
    const remoteIp = normalizeIp(expected !== undefined ? expected.ip : (socket.remoteAddress ?? ''))
    const remotePort = expected !== undefined ? expected.port : (socket.remotePort ?? 0)
    const remote = socketKey(remoteIp, remotePort)
    const raw: RawConnInfo = { remoteIp, remotePort, outbound: ctx.outbound }
    const slot = ctx.slot
    let registered = false
    return this.#upgrader.upgrade(socket, {
      raw,
      remote,
      ...(ctx.expected === undefined ? {} : { expectedId: ctx.expected.id }),
      abort: ctx.abort,
      release: () => {
        if (registered) this.#connSet.delete(remote)
      },
      before: async () => {
        // Check and register in one synchronous step, so two concurrent connections to or from
        // the same address cannot both pass.
        if (this.#connSet.has(remote)) throw new RejectedError('duplicate-conn', `duplicate CONN<${remote}>`, { addr: remote })
        if (!this.#opts.allowDuplicateIp && this.#connSet.hasIp(remoteIp)) {
          throw new RejectedError('filtered', `filtered CONN<${remote}>: ip<${remoteIp}> already connected`, { addr: remote })
        }
        this.#connSet.set(remote, [remoteIp])
        registered = true
        const filter = this.#components.peerFilter
        if (!ctx.outbound && filter?.denyInboundConnection !== undefined) {
          await askPeerFilter(() => filter.denyInboundConnection?.(raw), `CONN<${remote}>`, { addr: remote })
        }
        const filters = this.#opts.connFilters
        if (filters.length > 0) await runConnFilters(filters, raw, { timeoutMs: this.#opts.filterTimeoutMs, signal: ctx.abort.signal })
        // The handshake's stream driver resumes the socket when it wants bytes; an inbound one
        // waits for the peer's first bytes before it sends anything.
      },
      ...(slot === undefined
        ? {}
        : {
            firstBytesTimeoutMs: Math.min(this.#opts.firstBytesTimeoutMs, this.#opts.handshakeTimeoutMs),
            onFirstBytes: () => (slot.gotBytes = true),
            // Other inbound connections pending: CPU is what limits us, so save a write and the
            // peer a wake-up. Alone, send our key at once so both sides' key agreement overlaps.
            holdKey: this.#slots.size > 1
          })
    })
  }

  #rejected(remote: string, outbound: boolean, error: Error): void {
    this.emit('connection:rejected', { remote, outbound, error })
    this.#log('connection %s rejected: %s', remote, error.message)
  }
}

function splitHostPort(s: string): { host: string; port: number } {
  const text = s.replace(/^[a-z]+:\/\//, '')
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text)
  if (m === null) throw new DialError(s, `listen address ${s} is not host:port`)
  return { host: m[1] ?? m[2] ?? '', port: Number(m[3]) }
}

/** The `ip:port` key of a socket address, as Go's `DialString` prints it (IPv6 in brackets). */
function socketKey(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** Node reports IPv4 peers of a dual-stack listener as `::ffff:a.b.c.d`; Go prints `a.b.c.d`. */
function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}
