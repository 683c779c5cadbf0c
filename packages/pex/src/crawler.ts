import { setMaxListeners } from 'node:events'
import {
  AbortError,
  type AbortOptions,
  ConnectionClosedError,
  InvalidArgumentError,
  type Logger,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  netAddressProblem,
  type PeerConnection,
  TimeoutError,
  type Transport
} from '@p2p/types'
import { decodePexMessage, encodePexRequest, MAX_PEX_MESSAGE_SIZE, netAddressesFromProto, PEX_CHANNEL } from './messages.js'

/** What the crawl learnt about one node. */
export interface CrawlRecord {
  readonly id: NodeID
  /** The address it was dialled at (the first one heard of). */
  readonly addr: NetAddress
  /** `reachable`: handshake done; `unreachable`: the dial failed; `pending`: not dialled (deadline, abort, limit). */
  status: 'reachable' | 'unreachable' | 'pending'
  /** Why the dial failed (a typed error: `DialError`, `TimeoutError`, `RejectedError`, `AuthFailureError`, ...). */
  error?: Error
  /** Why no address list came back from a reachable node (timeout, closed, bad message). */
  pexError?: Error
  /** TCP connect + SecretConnection + NodeInfo exchange, in milliseconds. */
  handshakeMs?: number
  /** PexRequest sent → PexAddrs received, in milliseconds. */
  answerMs?: number
  /** The node's NodeInfo, as it sent it. */
  nodeInfo?: NodeInfo
  /** How many addresses it returned. */
  addrsReturned?: number
  /** Distinct nodes whose answers held this node's ID (seeds given by the caller count 0). */
  reportedBy: number
  /** Epoch ms when the crawl first heard of it, and last heard of it or reached it. */
  firstSeen: number
  lastSeen: number
}

/** Options of {@link crawl}; `signal` ends the crawl early, like the deadline. */
export interface CrawlOptions extends AbortOptions {
  /** Dials every address (a started transport: its `dial` checks the ID, the network and NodeInfo). */
  transport: Transport
  /** Dials at once (default 16). */
  concurrency?: number
  /** One dial with its handshakes (default 10 s). */
  dialTimeoutMs?: number
  /** How long a reachable node has to answer the PexRequest (default 5 s). */
  answerTimeoutMs?: number
  /** The whole crawl (default 10 min); what is not dialled by then stays `pending`. */
  deadlineMs?: number
  /** Most nodes recorded (default 10,000); addresses heard of beyond it are ignored. */
  maxNodes?: number
  logger?: Logger
  /**
   * Our node ID, never crawled (default: the transport's listen address ID; a dial-only
   * transport has none, so pass it).
   */
  selfId?: string
  /** Called once per node when its outcome is known. */
  onRecord?: (record: CrawlRecord) => void
}

/** What {@link crawl} resolves with. */
export interface CrawlResult {
  /** Every node heard of, in the order it was first heard of. */
  readonly records: CrawlRecord[]
  /** True when the deadline, the signal or `maxNodes` cut the crawl short. */
  readonly truncated: boolean
  /** Wall-clock duration of the crawl, ms. */
  readonly elapsedMs: number
}

const noopLog: Logger = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false })

function positive(name: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0)) throw new InvalidArgumentError(`crawl ${name} must be a positive number, got ${v}`)
  return v
}

/**
 * Crawls the PEX network breadth-first from `seeds`: one full-handshake connection per address
 * (at most `concurrency` at once), one `PexRequest`, then a graceful hang-up; every address in
 * an answer is crawled in turn. Resolves with a record per node; never rejects for a node's
 * failure. Rejects with `AbortError` only if `signal` is already aborted; an abort during the
 * crawl ends it early (records stay `pending`) like the deadline does.
 */
export async function crawl(seeds: readonly NetAddress[], options: CrawlOptions): Promise<CrawlResult> {
  const concurrency = Math.floor(positive('concurrency', options.concurrency ?? 16))
  const dialTimeoutMs = positive('dialTimeoutMs', options.dialTimeoutMs ?? 10_000)
  const answerTimeoutMs = positive('answerTimeoutMs', options.answerTimeoutMs ?? 5_000)
  const deadlineMs = positive('deadlineMs', options.deadlineMs ?? 600_000)
  const maxNodes = Math.floor(positive('maxNodes', options.maxNodes ?? 10_000))
  const log = options.logger ?? noopLog
  const { transport } = options
  if (options.signal?.aborted === true) throw new AbortError()

  const started = Date.now()
  const controller = new AbortController()
  // Each visit in flight listens on it (its dial and its PEX answer): not a leak, so no warning.
  setMaxListeners(concurrency * 4 + 10, controller.signal)
  const deadline = setTimeout(() => controller.abort(new TimeoutError('dial', deadlineMs, `crawl deadline of ${deadlineMs} ms`)), deadlineMs)
  const onAbort = (): void => controller.abort(new AbortError())
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const signal = controller.signal

  const ourId = options.selfId ?? safeOurId(transport)
  const records = new Map<string, CrawlRecord>()
  const reporters = new Map<string, Set<string>>()
  const queue: CrawlRecord[] = []
  let truncated = false

  const hear = (addr: NetAddress, reporter: string | undefined): void => {
    if (addr.id === ourId) return
    const now = Date.now()
    let rec = records.get(addr.id)
    if (rec === undefined) {
      if (records.size >= maxNodes) {
        truncated = true
        return
      }
      rec = { id: addr.id, addr, status: 'pending', reportedBy: 0, firstSeen: now, lastSeen: now }
      records.set(addr.id, rec)
      reporters.set(addr.id, new Set())
      queue.push(rec)
    }
    rec.lastSeen = now
    if (reporter !== undefined && reporter !== addr.id) {
      const set = reporters.get(addr.id) as Set<string>
      set.add(reporter)
      rec.reportedBy = set.size
    }
  }
  for (const s of seeds) hear(s, undefined)

  const visit = async (rec: CrawlRecord): Promise<void> => {
    const t0 = performance.now()
    let conn: PeerConnection
    const dialCtl = new AbortController()
    const timer = setTimeout(() => dialCtl.abort(new TimeoutError('dial', dialTimeoutMs)), dialTimeoutMs)
    try {
      conn = await transport.dial(rec.addr, { signal: AbortSignal.any([signal, dialCtl.signal]) })
    } catch (err) {
      if (signal.aborted) return
      rec.status = 'unreachable'
      rec.error = dialCtl.signal.aborted ? new TimeoutError('dial', dialTimeoutMs) : asError(err)
      log('crawl: %s unreachable: %s', rec.addr.ip, rec.error.message)
      return
    } finally {
      clearTimeout(timer)
    }
    rec.status = 'reachable'
    rec.handshakeMs = performance.now() - t0
    rec.nodeInfo = conn.remoteInfo
    rec.lastSeen = Date.now()
    try {
      const t1 = performance.now()
      const addrs = await askAddrs(conn, answerTimeoutMs, signal)
      rec.answerMs = performance.now() - t1
      rec.addrsReturned = addrs.length
      for (const a of addrs) hear(a, rec.id)
    } catch (err) {
      rec.pexError = asError(err)
    } finally {
      await conn.close({ flush: true }).catch(() => {})
    }
  }

  // Workers exit when they find the queue empty, so idle slots are refilled after every visit
  // (a visit adds the addresses it learnt), not only when a worker exits.
  const running = new Set<Promise<void>>()
  const fill = (): void => {
    while (running.size < concurrency && queue.length > 0 && !signal.aborted) {
      const p: Promise<void> = worker().finally(() => {
        running.delete(p)
      })
      running.add(p)
    }
  }
  const worker = async (): Promise<void> => {
    for (;;) {
      if (signal.aborted) return
      const rec = queue.shift()
      if (rec === undefined) return
      await visit(rec)
      if (rec.status !== 'pending') options.onRecord?.(rec)
      fill()
    }
  }

  try {
    fill()
    while (running.size > 0) {
      await Promise.race(running)
      fill()
    }
  } finally {
    clearTimeout(deadline)
    options.signal?.removeEventListener('abort', onAbort)
  }
  if (signal.aborted || queue.length > 0) truncated = true
  return { records: [...records.values()], truncated, elapsedMs: Date.now() - started }
}

function safeOurId(transport: Transport): string | undefined {
  try {
    return transport.listenAddress().id
  } catch {
    return undefined
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/** Sends one PexRequest on `conn` and resolves with the valid addresses of the first PexAddrs. */
function askAddrs(conn: PeerConnection, timeoutMs: number, signal: AbortSignal): Promise<NetAddress[]> {
  return new Promise<NetAddress[]>((resolve, reject) => {
    let settled = false
    const finish = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      fn()
    }
    const timer = setTimeout(() => finish(() => reject(new TimeoutError('send', timeoutMs, `no PexAddrs within ${timeoutMs} ms`))), timeoutMs)
    const onAbort = (): void => finish(() => reject(new AbortError()))
    signal.addEventListener('abort', onAbort, { once: true })
    conn.start([{ id: PEX_CHANNEL, priority: 1, sendQueueCapacity: 10, recvMessageCapacity: MAX_PEX_MESSAGE_SIZE }], {
      onReceive: (channelId, message) => {
        if (channelId !== PEX_CHANNEL) return
        try {
          const m = decodePexMessage(message)
          // A request from the node (a Go node's ensure tick may pick us): not our business.
          if (m.type !== 'addrs') return
          // Invalid entries are dropped, not fatal: a crawler reports what it can.
          const out: NetAddress[] = []
          for (const a of m.addrs) {
            try {
              const [addr] = netAddressesFromProto([a])
              if (addr !== undefined && netAddressProblem(addr) === undefined) out.push(addr)
            } catch {}
          }
          finish(() => resolve(out))
        } catch (err) {
          finish(() => reject(asError(err)))
        }
      },
      onClose: (error) => finish(() => reject(error ?? new ConnectionClosedError('closed before answering'))),
    })
    if (!conn.trySend(PEX_CHANNEL, encodePexRequest())) {
      conn.send(PEX_CHANNEL, encodePexRequest(), { signal }).then(
        (queued) => {
          if (!queued) finish(() => reject(new ConnectionClosedError('could not send the PexRequest')))
        },
        (err: unknown) => finish(() => reject(asError(err)))
      )
    }
  })
}
