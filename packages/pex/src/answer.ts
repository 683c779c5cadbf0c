import type { AddrBook, NetAddress, NodeID, Peer } from '@p2p/types'
import type { LivenessRecord } from './liveness.js'
import { encodePexAddrs, MAX_PEX_MESSAGE_SIZE, type ProtoNetAddress } from './messages.js'
import { type MisbehaviourHost, misbehave } from './misbehaviour.js'
import { sendPex } from './pex-send.js'
import type { PeerPexState } from './request-limiter.js'

/** What answering a `PexRequest` needs from the reactor. */
export interface AnswerHost extends MisbehaviourHost {
  readonly liveness: LivenessRecord
}

/**
 * Go's handling of a `PexRequest` from `peer`: a seed answers an inbound peer once and hangs up;
 * anyone else is answered if the request keeps Go's rate rule, else stopped and banned.
 */
export function answerRequest(host: AnswerHost, peer: Peer, state: PeerPexState): void {
  const { config } = host
  if (config.seedMode && !peer.outbound) {
    // A seed answers an inbound peer once, then flushes and hangs up; later requests on the
    // same connection are ignored, with no rate check.
    if (state.seedAnswered) {
      host.metrics.requestRefused('seed-answered')
      return
    }
    state.seedAnswered = true
    const sw = host.sw()
    sendAnswer(host, peer, config.seedBiasTowardsNewPct)
      .then(() => sw.stopPeerGracefully(peer))
      .catch((err: unknown) => host.log('seed hang-up on %s failed: %s', peer.id, err))
    return
  }
  const now = Date.now()
  if (!state.received.tryRecord(now)) {
    const since = now - state.received.last
    host.metrics.requestRefused('too-soon')
    misbehave(
      host,
      peer,
      state,
      'pex-request-flood',
      `peer (${peer.id}) sent next PEX request too soon: ${since} ms after the last, minimum ${state.received.minIntervalMs} ms`,
      undefined,
      true
    )
    return
  }
  void sendAnswer(host, peer, undefined)
}

/** Sends `peer` a selection from the book; resolves once it is queued (or could not be). */
function sendAnswer(host: AnswerHost, peer: Peer, bias: number | undefined): Promise<boolean> {
  const c = host.config
  const source = { book: host.book, liveness: host.liveness, seedMode: c.seedMode, maxAddrsPerMessage: c.maxAddrsPerMessage, privatePeerIds: c.privatePeerIds, random: c.random }
  return sendPex(peer, answerBytes(source, peer.id, host.sw().nodeInfo().id, bias, Date.now()), 'addrs', host.metrics)
}

/** What an answer to a `PexRequest` is made from. */
export interface AnswerSource {
  readonly book: AddrBook
  readonly liveness: LivenessRecord
  readonly seedMode: boolean
  readonly maxAddrsPerMessage: number
  readonly privatePeerIds: ReadonlySet<string>
  readonly random: () => number
}

/**
 * The encoded `PexAddrs` answering `asker`: the book's selection (a seed's holds only addresses
 * seen alive recently, see {@link freshSelection}), never the asker's own address, ours or a
 * private peer's, at most `maxAddrsPerMessage` addresses and within the channel's capacity.
 */
export function answerBytes(src: AnswerSource, asker: NodeID, ourId: NodeID, bias: number | undefined, now: number): Uint8Array {
  const selection = src.seedMode ? freshSelection(src, bias, now) : bookSelection(src.book, bias)
  const { privatePeerIds, maxAddrsPerMessage } = src
  const addrs: ProtoNetAddress[] = []
  for (const a of selection) {
    if (addrs.length >= maxAddrsPerMessage) break
    if (a.id === asker || a.id === ourId || privatePeerIds.has(a.id)) continue
    addrs.push({ id: a.id, ip: a.ip, port: a.port })
  }
  let bytes = encodePexAddrs(addrs)
  // A custom book could hand out oversized entries: stay within the channel capacity.
  while (bytes.length > MAX_PEX_MESSAGE_SIZE && addrs.length > 0) {
    addrs.length = Math.floor(addrs.length * 0.9)
    bytes = encodePexAddrs(addrs)
  }
  return bytes
}

function bookSelection(book: AddrBook, bias: number | undefined): NetAddress[] {
  return bias === undefined ? book.getSelection() : book.getSelection(bias)
}

/**
 * Beyond Go: a seed's selection holds only addresses seen alive recently. The book's
 * selection (Go's size and bias) keeps what the liveness record vouches for, then is topped up
 * from the record, verified addresses first.
 */
function freshSelection(src: AnswerSource, bias: number | undefined, now: number): NetAddress[] {
  const base = bookSelection(src.book, bias)
  const chosen = new Map<string, NetAddress>()
  const verified: NetAddress[] = []
  const reported: NetAddress[] = []
  for (const a of base) {
    const f = src.liveness.freshness(a, now)
    if (f === 'verified') verified.push(a)
    else if (f === 'reported') reported.push(a)
    if (f !== undefined) chosen.set(a.id, a)
  }
  if (chosen.size < base.length) {
    const servable = src.liveness.servable(now)
    for (const [list, out] of [
      [servable.verified, verified],
      [servable.reported, reported]
    ] as const) {
      for (const a of shuffle(list, src.random)) {
        if (chosen.size >= base.length) break
        if (chosen.has(a.id) || !src.book.has(a)) continue
        chosen.set(a.id, a)
        out.push(a)
      }
    }
  }
  return [...verified, ...reported]
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}
