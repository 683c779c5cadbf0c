import type { AddrBook, NetAddress, NodeID } from '@p2p/types'
import type { LivenessRecord } from './liveness.js'
import { encodePexAddrs, MAX_PEX_MESSAGE_SIZE, type ProtoNetAddress } from './messages.js'

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
