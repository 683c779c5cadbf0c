import type { Counter, Metrics } from '@p2p/types'

/** A PEX message as counted: a decoded request or addrs, or bytes that did not decode. */
export type PexMessageType = 'request' | 'addrs' | 'invalid'

/** Why a received `PexRequest` was not answered. */
export type PexRefusedReason = 'too-soon' | 'seed-answered'

/** Why we did not send a `PexRequest` we were asked to send. */
export type PexSkippedReason = 'outstanding' | 'too-soon' | 'stopped'

/**
 * Why an address of a `PexAddrs` answer was not added to the book: `ours`, `private` (a private
 * peer ID), `private-source` (the answer came from a private peer), or the book's own
 * `AddrBookError` reason (`non-routable`, `banned`, `bucket-full`, …); `other` for anything else.
 */
export type PexAddrRejectedReason = string

const LABEL = /^[a-z][a-z0-9-]{0,39}$/

/**
 * The PEX reactor's counters, registered once. Every method is a no-op without a sink. Counting
 * costs one call per PEX message (a few per peer per minute), never per address of an answer
 * beyond a single add of the total.
 */
export class PexMetrics {
  readonly #messages: Counter | undefined
  readonly #sendFailed: Counter | undefined
  readonly #requestsReceived: Counter | undefined
  readonly #requestsSent: Counter | undefined
  readonly #requestsRefused: Counter | undefined
  readonly #requestsSkipped: Counter | undefined
  readonly #addrsReceived: Counter | undefined
  readonly #addrsAccepted: Counter | undefined
  readonly #addrsRejected: Counter | undefined
  readonly #misbehaviour: Counter | undefined
  readonly #crawlDials: Counter | undefined

  constructor(m: Metrics | undefined) {
    this.#messages = m?.registerCounter('cometbft_p2p_pex_messages_total', {
      help: 'PEX messages by direction (sent: queued on the channel; received) and type (request, addrs, invalid)',
      labelNames: ['direction', 'type']
    })
    this.#sendFailed = m?.registerCounter('cometbft_p2p_pex_send_failed_total', {
      help: 'PEX messages that could not be queued (peer gone, queue full until it left)',
      labelNames: ['type']
    })
    this.#requestsReceived = m?.registerCounter('cometbft_p2p_pex_requests_received_total', { help: 'PexRequests received' })
    this.#requestsSent = m?.registerCounter('cometbft_p2p_pex_requests_sent_total', { help: 'PexRequests sent (queued on the channel)' })
    this.#requestsRefused = m?.registerCounter('cometbft_p2p_pex_requests_refused_total', {
      help: 'PexRequests received and not answered: too-soon (Go rate rule; the peer is stopped), seed-answered (a seed answers once)',
      labelNames: ['reason']
    })
    this.#requestsSkipped = m?.registerCounter('cometbft_p2p_pex_requests_skipped_total', {
      help: 'PexRequests we did not send: outstanding (one unanswered already), too-soon (the remote would refuse it), stopped',
      labelNames: ['reason']
    })
    this.#addrsReceived = m?.registerCounter('cometbft_p2p_pex_addrs_received_total', { help: 'addresses received in solicited, valid PexAddrs' })
    this.#addrsAccepted = m?.registerCounter('cometbft_p2p_pex_addrs_accepted_total', {
      help: 'addresses received in PexAddrs that the book took (a known address again counts)'
    })
    this.#addrsRejected = m?.registerCounter('cometbft_p2p_pex_addrs_rejected_total', {
      help: 'addresses received in PexAddrs that were not added, by reason',
      labelNames: ['reason']
    })
    this.#misbehaviour = m?.registerCounter('cometbft_p2p_pex_misbehaviour_total', { help: 'peers stopped for PEX misbehaviour', labelNames: ['kind'] })
    this.#crawlDials = m?.registerCounter('cometbft_p2p_pex_crawl_dials_total', { help: 'seed-mode crawl dials', labelNames: ['result'] })
  }

  sent(type: PexMessageType): void {
    this.#messages?.increment(1, { direction: 'sent', type })
    if (type === 'request') this.#requestsSent?.increment()
  }

  sendFailed(type: PexMessageType): void {
    this.#sendFailed?.increment(1, { type })
  }

  received(type: PexMessageType): void {
    this.#messages?.increment(1, { direction: 'received', type })
    if (type === 'request') this.#requestsReceived?.increment()
  }

  requestRefused(reason: PexRefusedReason): void {
    this.#requestsRefused?.increment(1, { reason })
  }

  requestSkipped(reason: PexSkippedReason): void {
    this.#requestsSkipped?.increment(1, { reason })
  }

  addrsReceived(n: number): void {
    if (n > 0) this.#addrsReceived?.increment(n)
  }

  addrsAccepted(n: number): void {
    if (n > 0) this.#addrsAccepted?.increment(n)
  }

  addrsRejected(n: number, reason: PexAddrRejectedReason): void {
    if (n > 0) this.#addrsRejected?.increment(n, { reason: LABEL.test(reason) ? reason : 'other' })
  }

  misbehaviour(kind: string): void {
    this.#misbehaviour?.increment(1, { kind: LABEL.test(kind) ? kind : 'other' })
  }

  crawlDial(result: string): void {
    this.#crawlDials?.increment(1, { result })
  }
}

/** The label for an error thrown by `AddrBook.addAddress`: its `reason` when it has a short one. */
export function addrRejectedReason(err: unknown): PexAddrRejectedReason {
  const reason = (err as { reason?: unknown } | null)?.reason
  return typeof reason === 'string' && LABEL.test(reason) ? reason : 'other'
}
