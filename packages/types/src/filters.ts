import type { NetAddress } from './net-address.js'
import type { NodeID } from './node-id.js'
import type { NodeInfo } from './node-info.js'

/** What a connection filter sees of a raw connection, before any handshake. */
export interface RawConnInfo {
  readonly remoteIp: string
  readonly remotePort: number
  readonly outbound: boolean
}

/**
 * Decides whether a raw connection may proceed to the handshake: return (or resolve) to accept,
 * throw (or reject) to refuse; the error's message ends up in a `RejectedError` (reason
 * `filtered`). A transport runs its filters concurrently under one timeout (Go's
 * `filterTimeout`, 5 s) and aborts `signal` when it gives up.
 */
export type ConnFilter = (conn: RawConnInfo, options: { signal: AbortSignal }) => void | Promise<void>

/** The stages at which a `PeerFilter` can refuse a peer, earliest first. */
export type PeerFilterStage = 'connection' | 'authenticated' | 'node-info'

/**
 * A gater (js-libp2p's `ConnectionGater` shape): every method is optional, returns (or
 * resolves) `true` to refuse. Each stage is asked as soon as it knows enough, so a ban list
 * refuses a banned IP before the secret handshake costs anything, a banned ID right after the
 * handshake proves it, and a wrong network after the NodeInfo exchange.
 *
 * Transports ask the first three stages; the switch asks `denyAuthenticated` and `denyNodeInfo`
 * again for any connection handed to `addPeer`. A refused connection fails with a
 * `RejectedError` of reason `filtered` (or `banned` where the filter throws one).
 */
export interface PeerFilter {
  /** An inbound socket, before any byte is read. */
  denyInboundConnection?(remote: RawConnInfo): boolean | Promise<boolean>
  /** Before we open a socket to `addr`. */
  denyOutboundConnection?(addr: NetAddress): boolean | Promise<boolean>
  /** The remote proved `id` in the secret handshake; `remote` is the socket's end. */
  denyAuthenticated?(id: NodeID, remote: RawConnInfo): boolean | Promise<boolean>
  /** The remote's NodeInfo was exchanged and validated. */
  denyNodeInfo?(info: NodeInfo, remote: RawConnInfo): boolean | Promise<boolean>
}

/**
 * One filter that refuses when any of `filters` does (stages asked in the given order). Its
 * answer is synchronous as long as every filter asked answers synchronously (a ban list does), so
 * a caller can skip the deadline and the promise an asynchronous answer needs.
 */
export function combinePeerFilters(...filters: ReadonlyArray<PeerFilter | undefined>): PeerFilter {
  const list = filters.filter((f): f is PeerFilter => f !== undefined)
  type Stage<A extends unknown[]> = (f: PeerFilter) => ((...a: A) => boolean | Promise<boolean>) | undefined
  const any = <A extends unknown[]>(pick: Stage<A>, args: A, from = 0): boolean | Promise<boolean> => {
    for (let i = from; i < list.length; i++) {
      const f = list[i] as PeerFilter
      const fn = pick(f)
      if (fn === undefined) continue
      const answer = fn.apply(f, args)
      if (isPromiseLike(answer)) return Promise.resolve(answer).then((denied) => (denied === true ? true : any(pick, args, i + 1)))
      if (answer === true) return true
    }
    return false
  }
  return {
    denyInboundConnection: (remote) => any((f) => f.denyInboundConnection, [remote]),
    denyOutboundConnection: (addr) => any((f) => f.denyOutboundConnection, [addr]),
    denyAuthenticated: (id, remote) => any((f) => f.denyAuthenticated, [id, remote]),
    denyNodeInfo: (info, remote) => any((f) => f.denyNodeInfo, [info, remote])
  }
}

/** True for a promise or any other thenable (a filter's asynchronous answer). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}
