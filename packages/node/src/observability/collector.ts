import type { AddrBook, BanList, Counter, Metrics, Peer, Startable, SwitchFacade, Transport } from '@p2p/types'
import * as prom from 'prom-client'
import { errorReason } from './error-reason.js'

/** The book's optional inspection method (the bucketed book of `@p2p/addrbook` has it). */
interface InspectableBook {
  knownAddresses?(): ReadonlyArray<{ readonly bucketType: 'new' | 'old' }>
}

/** What the {@link P2PCollector} observes. */
export interface P2PCollectorComponents {
  /** Its events count dials, refused and removed peers; its peers give the pending sends. */
  switch: Pick<SwitchFacade, 'events' | 'peers'>
  /** The book size by bucket type, read at scrape time. */
  addrBook?: Pick<AddrBook, 'size'> & InspectableBook
  /** The bans in force, read at scrape time. */
  banList?: Pick<BanList, 'list'>
  /** Its `connection:rejected` events count failed handshakes and refused connections. */
  transport?: Pick<Transport, 'addEventListener'>
  /** Counters go through the `Metrics` interface; scrape-time gauges need the prom registry. */
  metrics: Metrics & { readonly registry: prom.Registry }
}

/** Options of the {@link P2PCollector}. */
export interface P2PCollectorInit {
  /**
   * Label `cometbft_p2p_peer_pending_send_bytes` with `peer_id` (default false). Used only for a
   * switch that does not record that gauge itself (`@p2p/switch` does).
   */
  perPeerLabels?: boolean
}

/**
 * Figures the layers do not count themselves, derived from the switch's typed events and the
 * book's and ban list's interfaces: dials by outcome and reason, refused and removed peers by
 * reason, pending sends (when the switch does not record them), book size by bucket type (when the
 * book does not report it) and bans.
 * Gauges are computed when `/metrics` is read: no timer, nothing on the message path.
 */
export class P2PCollector implements Startable {
  readonly #c: P2PCollectorComponents
  readonly #perPeer: boolean
  readonly #dials: Counter
  readonly #rejected: Counter
  readonly #removed: Counter
  readonly #connRejected: Counter
  #abort: AbortController | undefined

  constructor(components: P2PCollectorComponents, init: P2PCollectorInit = {}) {
    this.#c = components
    this.#perPeer = init.perPeerLabels ?? false
    const m = components.metrics
    this.#dials = m.registerCounter('cometbft_p2p_dials_total', {
      help: 'Dials by the switch, by outcome (ok, error) and typed reason (e.g. TimeoutError:handshake).',
      labelNames: ['outcome', 'reason']
    })
    this.#rejected = m.registerCounter('cometbft_p2p_peers_rejected_total', {
      help: 'Authenticated connections the switch refused, by direction and reason.',
      labelNames: ['direction', 'reason']
    })
    this.#removed = m.registerCounter('cometbft_p2p_peers_removed_total', {
      help: 'Peers removed, by direction and reason (none: a normal close; MisbehaviourError:<kind>: misbehaviour).',
      labelNames: ['direction', 'reason']
    })
    this.#connRejected = m.registerCounter('cometbft_p2p_connections_rejected_total', {
      help: 'Connections the transport dropped before they became peers (filters, handshake, NodeInfo), by direction and reason.',
      labelNames: ['direction', 'reason']
    })
    this.#gauges()
  }

  start(): void {
    if (this.#abort !== undefined) return
    this.#abort = new AbortController()
    const signal = this.#abort.signal
    const events = this.#c.switch.events
    events.addEventListener(
      'peer:add',
      (e) => {
        if (e.detail.outbound) this.#dials.increment(1, { outcome: 'ok', reason: 'none' })
      },
      { signal }
    )
    events.addEventListener('dial:error', (e) => this.#dials.increment(1, { outcome: 'error', reason: errorReason(e.detail.error) }), { signal })
    events.addEventListener(
      'peer:rejected',
      (e) => this.#rejected.increment(1, { direction: e.detail.outbound ? 'outbound' : 'inbound', reason: errorReason(e.detail.error) }),
      { signal }
    )
    events.addEventListener(
      'peer:remove',
      (e) => this.#removed.increment(1, { direction: e.detail.peer.outbound ? 'outbound' : 'inbound', reason: errorReason(e.detail.reason) }),
      { signal }
    )
    this.#c.transport?.addEventListener(
      'connection:rejected',
      (e) => this.#connRejected.increment(1, { direction: e.detail.outbound ? 'outbound' : 'inbound', reason: errorReason(e.detail.error) }),
      { signal }
    )
  }

  stop(): void {
    this.#abort?.abort()
    this.#abort = undefined
  }

  /** Registers the scrape-time gauges whose names no layer registered already. */
  #gauges(): void {
    const registry = this.#c.metrics.registry
    const add = (name: string, help: string, labelNames: string[], collect: (g: prom.Gauge) => void): void => {
      if (registry.getSingleMetric(name) !== undefined) return
      new prom.Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset()
          collect(this)
        }
      })
    }
    add(
      'cometbft_p2p_peer_pending_send_bytes',
      'Messages waiting in the send queues (Go counts messages under this name), per peer when asked.',
      this.#perPeer ? ['peer_id'] : [],
      (g) => {
        let total = 0
        for (const p of this.#c.switch.peers().list()) {
          const pending = pendingOf(p)
          if (this.#perPeer) g.set({ peer_id: p.id }, pending)
          total += pending
        }
        if (!this.#perPeer) g.set(total)
      }
    )
    const book = this.#c.addrBook
    if (book !== undefined) {
      add('cometbft_p2p_addrbook_size', 'Addresses in the address book, by bucket type.', ['type'], (g) => {
        if (book.knownAddresses === undefined) return g.set({ type: 'all' }, book.size())
        let old = 0
        const all = book.knownAddresses()
        for (const k of all) if (k.bucketType === 'old') old++
        g.set({ type: 'new' }, all.length - old)
        g.set({ type: 'old' }, old)
      })
    }
    const bans = this.#c.banList
    if (bans !== undefined) {
      add('cometbft_p2p_bans', 'Bans in force, by target kind (id, ip, cidr).', ['target'], (g) => {
        const count = { id: 0, ip: 0, cidr: 0 }
        const now = Date.now()
        for (const b of bans.list()) {
          if (b.until <= now) continue
          if ('id' in b.target) count.id++
          else if ('ip' in b.target) count.ip++
          else count.cidr++
        }
        for (const [target, n] of Object.entries(count)) g.set({ target }, n)
      })
    }
  }
}

function pendingOf(p: Peer): number {
  try {
    let n = 0
    for (const c of p.status().channels) n += c.sendQueueSize
    return n
  } catch {
    return 0
  }
}
