import type { ComponentLogger, ConnFilter, Metrics, NodeInfo, NodeKey, PeerFilter } from '@p2p/types'

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
