import { createServer, type Server, type Socket } from 'node:net'
import {
  AbortError,
  type AbortOptions,
  DialError,
  disabledLogger,
  type Logger,
  type NetAddress,
  NotStartedError,
  type PeerConnection,
  type RawConnInfo,
  RejectedError,
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
import { dialSocket } from './dial-socket.js'
import { type InboundSlot, InboundSlots } from './inbound-slots.js'
import { TCP_TRANSPORT_DEFAULTS, type TcpTransportComponents, type TcpTransportInit } from './options.js'

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
      const socket = await dialSocket(addr, own, this.#opts.dialTimeoutMs)
      return await this.#upgradeSocket(socket, { outbound: true, expected: addr, abort: own })
    } finally {
      own.done()
      this.#dials.delete(own)
    }
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
