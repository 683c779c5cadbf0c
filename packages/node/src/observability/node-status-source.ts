import type { AddrBook, NetAddress, NodeInfo, Reactor, Switch } from '@p2p/types'
import type { AddrBookSummary, NodeStatusSource } from './status-source.js'

/** What {@link nodeStatusSource} reads of a node (a `P2PNode` of `createNode` has all of it). */
export interface ObservableNode {
  /** Our NodeInfo now. */
  nodeInfo(): NodeInfo
  /** The address we listen on; may throw before `start` (reported as no address). */
  listenAddress(): NetAddress
  /** When present and false, the node has no listen address. */
  isStarted?(): boolean
  readonly components: {
    readonly switch: Pick<Switch, 'peers' | 'numPeers'>
    readonly addrBook: Pick<AddrBook, 'size' | 'needMoreAddrs'> & InspectableBook
    readonly reactors?: readonly Reactor[]
  }
}

/** The bucketed book's inspection method (`@p2p/addrbook`); other books may lack it. */
interface InspectableBook {
  knownAddresses?(): ReadonlyArray<{ readonly addr: NetAddress; readonly bucketType: 'new' | 'old'; readonly lastSuccess: number }>
}

/** The seed-mode PEX reactor's liveness record (`@p2p/pex`): addresses it dialled itself recently. */
interface SeedLiveness {
  readonly liveness?: { servable?(now: number): { verified: NetAddress[] } }
}

/** Options of {@link nodeStatusSource}. */
export interface NodeStatusSourceOptions {
  /** For a node that is not a seed: how recent a book entry's last success must be to count as verified (default 24 h). */
  verifiedWithinMs?: number
}

/**
 * Adapts a node to the HTTP API. `/peers` hands out what the node verified itself: a seed's
 * PEX liveness record when there is one (addresses it dialled and handshook within its
 * freshness window), otherwise the book's tried ("old") entries with a recent success.
 */
export function nodeStatusSource(node: ObservableNode, options: NodeStatusSourceOptions = {}): NodeStatusSource {
  const within = options.verifiedWithinMs ?? 24 * 60 * 60 * 1000
  const { switch: sw, addrBook: book } = node.components
  const seed = node.components.reactors?.find((r) => typeof (r as SeedLiveness).liveness?.servable === 'function') as SeedLiveness | undefined
  const hasVerified = seed !== undefined || typeof book.knownAddresses === 'function'
  return {
    nodeInfo: () => node.nodeInfo(),
    listenAddress: () => {
      if (node.isStarted?.() === false) return undefined
      try {
        return node.listenAddress()
      } catch {
        return undefined
      }
    },
    peers: () => sw.peers().list(),
    numPeers: () => sw.numPeers(),
    addrBook: (): AddrBookSummary => {
      const summary = { size: book.size(), needMoreAddrs: book.needMoreAddrs() }
      if (book.knownAddresses === undefined) return summary
      let old = 0
      const all = book.knownAddresses()
      for (const k of all) if (k.bucketType === 'old') old++
      return { ...summary, new: all.length - old, old }
    },
    ...(hasVerified
      ? {
          verifiedAddresses: (limit: number): readonly NetAddress[] => {
            const now = Date.now()
            const fromSeed = seed?.liveness?.servable?.(now).verified
            if (fromSeed !== undefined && fromSeed.length > 0) return fromSeed.slice(0, limit)
            if (book.knownAddresses === undefined) return fromSeed ?? []
            return book
              .knownAddresses()
              .filter((k) => k.bucketType === 'old' && k.lastSuccess >= now - within)
              .sort((a, b) => b.lastSuccess - a.lastSuccess)
              .slice(0, limit)
              .map((k) => k.addr)
          }
        }
      : {})
  }
}
