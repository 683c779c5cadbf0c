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
  type NetAddress,
  type NodeInfo,
  type NodeKey,
  NotStartedError,
  type PeerConnection,
  RejectedError,
  TimeoutError,
  type Transport,
  type TransportEvents,
  TypedEventEmitter,
  createNetAddress
} from '@p2p/types'
import { AcceptQueue } from '../accept-queue.js'
import { type MultiplexerFactory, UpgradedConnection } from '../peer-connection.js'
import { type SecureUpgrader, upgrade } from '../upgrade.js'
import { runConnFilters } from './conn-filters.js'
import { ConnSet } from './conn-set.js'

/** Options of the TCP transport, with Go v0.34's effective defaults. */
export interface TcpTransportInit {
  /** `host:port` to listen on (port 0 picks one). Default `0.0.0.0:26656` (Go `laddr`). */
  listen?: string
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
   * Inbound connections in the handshake or waiting for `accept()` at once; beyond it new ones
   * are closed at once. Go has no such bound (a half-open handshake flood costs it a goroutine
   * and 3 s each).
   */
  maxPendingInbound?: number
}

export const TCP_TRANSPORT_DEFAULTS = {
  listen: '0.0.0.0:26656',
  dialTimeoutMs: 1000,
  handshakeTimeoutMs: 3000,
  nodeInfoTimeoutMs: 3000,
  filterTimeoutMs: 5000,
  allowDuplicateIp: false,
  connFilters: [] as readonly ConnFilter[],
  maxInboundConnections: 0,
  maxPendingInbound: 64
} satisfies Required<TcpTransportInit>

export interface TcpTransportComponents {
  nodeKey: NodeKey
  /** Our NodeInfo, read at each handshake (its listen address may be set after `start`). */
  nodeInfo: () => NodeInfo
  logger?: ComponentLogger
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
  readonly #internals: TcpTransportInternals
  readonly #log: Logger
  readonly #connSet = new ConnSet()
  readonly #live = new Set<PeerConnection>()
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined
  #controller: AbortController | undefined
  #queue = new AcceptQueue()
  #pending = 0
  #address: NetAddress | undefined

  constructor(components: TcpTransportComponents, init: TcpTransportInit, internals: TcpTransportInternals) {
    super()
    this.#components = components
    this.#opts = { ...TCP_TRANSPORT_DEFAULTS, ...init }
    this.#internals = internals
    this.#log = components.logger?.forComponent('p2p:transport') ?? disabledLogger()
  }

  async start(): Promise<void> {
    if (this.#server !== undefined) return
    const { host, port } = splitHostPort(this.#opts.listen)
    this.#controller = new AbortController()
    this.#queue = new AcceptQueue()
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
    const bound = server.address()
    if (bound === null || typeof bound === 'string') throw new DialError(this.#opts.listen, 'listener has no TCP address')
    this.#address = createNetAddress(this.#components.nodeKey.id, bound.address, bound.port)
  }

  async stop(): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    this.#controller?.abort()
    const unclaimed = this.#queue.end()
    const closing = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await Promise.all([...unclaimed, ...this.#live].map((c) => c.close()))
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
    const controller = this.#controller
    if (this.#server === undefined || controller === undefined) throw new NotStartedError('transport is not started')
    if (options.signal?.aborted === true) throw new AbortError()
    const remote = socketKey(addr.ip, addr.port)
    if (this.#connSet.has(remote)) throw new RejectedError('duplicate-conn', `duplicate CONN<${remote}>`, { addr: remote, id: addr.id })
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([controller.signal, options.signal])
    const socket = await this.#connect(addr, signal)
    return this.#upgradeSocket(socket, { outbound: true, expected: addr, signal })
  }

  #connect(addr: NetAddress, signal: AbortSignal): Promise<Socket> {
    const remote = dialString(addr)
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: addr.ip, port: addr.port, noDelay: true })
      this.#sockets.add(socket)
      const timer = setTimeout(() => fail(new TimeoutError('dial', this.#opts.dialTimeoutMs, `dial ${remote} timed out after ${this.#opts.dialTimeoutMs} ms`)), this.#opts.dialTimeoutMs)
      const onAbort = (): void => fail(new AbortError(`dial ${remote} aborted`))
      const cleanup = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onAbort)
        socket.off('error', onError)
      }
      const fail = (err: Error): void => {
        cleanup()
        this.#sockets.delete(socket)
        socket.destroy()
        reject(err)
      }
      const onError = (err: Error): void => fail(new DialError(remote, `dial ${remote}: ${err.message}`, { cause: err }))
      signal.addEventListener('abort', onAbort, { once: true })
      socket.once('error', onError)
      socket.once('connect', () => {
        cleanup()
        resolve(socket)
      })
    })
  }

  #onInbound(socket: Socket): void {
    const controller = this.#controller
    const remote = socketKey(normalizeIp(socket.remoteAddress ?? ''), socket.remotePort ?? 0)
    if (controller === undefined || this.#pending >= this.#opts.maxPendingInbound) {
      socket.destroy()
      this.emit('connection:rejected', {
        remote,
        outbound: false,
        error: new RejectedError('too-many-handshakes', `too many pending inbound connections (${this.#opts.maxPendingInbound})`, { addr: remote })
      })
      return
    }
    this.#sockets.add(socket)
    this.#pending++
    let queued = false
    this.#upgradeSocket(socket, { outbound: false, signal: controller.signal })
      .then((conn) => {
        if (this.#server === undefined) return conn.close()
        queued = true
        // The slot stays taken until a consumer takes the connection from the queue.
        this.#queue.push(conn, () => this.#pending--)
      })
      .catch(() => {})
      .finally(() => {
        if (!queued) this.#pending--
      })
  }

  async #upgradeSocket(
    socket: Socket,
    ctx: { outbound: boolean; expected?: NetAddress; signal: AbortSignal }
  ): Promise<PeerConnection> {
    const remoteIp = normalizeIp(socket.remoteAddress ?? '')
    const remotePort = socket.remotePort ?? 0
    const remote = socketKey(remoteIp, remotePort)
    let registered = false
    try {
      // Check and register in one synchronous step, so two concurrent connections to or from
      // the same address cannot both pass.
      if (this.#connSet.has(remote)) throw new RejectedError('duplicate-conn', `duplicate CONN<${remote}>`, { addr: remote })
      if (!this.#opts.allowDuplicateIp && this.#connSet.hasIp(remoteIp)) {
        throw new RejectedError('filtered', `filtered CONN<${remote}>: ip<${remoteIp}> already connected`, { addr: remote })
      }
      this.#connSet.set(remote, [remoteIp])
      registered = true
      await runConnFilters(this.#opts.connFilters, { remoteIp, remotePort, outbound: ctx.outbound }, { timeoutMs: this.#opts.filterTimeoutMs, signal: ctx.signal })
      socket.resume()
      const up = await upgrade(socket, {
        nodeKey: this.#components.nodeKey,
        ourInfo: this.#components.nodeInfo(),
        secure: this.#internals.secure,
        ...(ctx.expected === undefined ? {} : { expectedId: ctx.expected.id }),
        remote,
        secretTimeoutMs: this.#opts.handshakeTimeoutMs,
        nodeInfoTimeoutMs: this.#opts.nodeInfoTimeoutMs,
        signal: ctx.signal
      })
      const conn: UpgradedConnection = new UpgradedConnection({
        stream: up.stream,
        remoteInfo: up.remoteInfo,
        remoteAddr: createNetAddress(up.remoteId, remoteIp, remotePort),
        remotePublicKey: up.remotePublicKey,
        outbound: ctx.outbound,
        multiplexer: this.#internals.multiplexer,
        onGone: () => {
          this.#live.delete(conn)
          this.#connSet.delete(remote)
          this.#sockets.delete(socket)
        }
      })
      this.#live.add(conn)
      return conn
    } catch (err) {
      socket.destroy()
      this.#sockets.delete(socket)
      if (registered) this.#connSet.delete(remote)
      const error = err instanceof Error ? err : new DialError(remote, String(err))
      this.emit('connection:rejected', { remote, outbound: ctx.outbound, error })
      this.#log('connection %s rejected: %s', remote, error.message)
      throw error
    }
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
