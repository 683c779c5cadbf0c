import { setTimeout as sleep } from 'node:timers/promises'
import { addrBook } from '@p2p/addrbook'
import { generateNodeKey } from '@p2p/config'
import { type ComponentLogger, disabledComponentLogger, type NodeID, netAddressString } from '@p2p/types'
import { createNode, type P2PNode } from './create-node.js'

/** Options of {@link runTestnet}. */
export interface TestnetOptions {
  /** Nodes besides the seeds. Default 8. */
  nodes?: number
  /** Seed nodes (PEX seed mode). Default 1. */
  seeds?: number
  /** Peers every node must reach. Default min(4, nodes − 1). */
  target?: number
  /** Give up after this long, ms. Default 30 000. */
  timeoutMs?: number
  /** PEX and peer-manager period of every node, ms (Go: 30 s). Default 500. */
  periodMs?: number
  /** How often progress is reported, ms. Default 1000. */
  tickMs?: number
  /** Loopback address every node binds. Default 127.0.0.1. */
  host?: string
  /** Chain ID of the testnet. Default `p2p-testnet`. */
  chainId?: string
  logger?: ComponentLogger
  /** Called every `tickMs` with the state of every node. */
  onTick?: (snapshot: TestnetSnapshot) => void
  /** Aborting stops the testnet early (the result says so). */
  signal?: AbortSignal
  /** Called once every node is created and started (the network page draws them). */
  onStarted?: (nodes: readonly P2PNode[]) => void
  /** Called with the result before the nodes are stopped; the nodes run until it resolves (`--ui`). */
  beforeStop?: (result: TestnetResult) => Promise<void>
}

/** One node of a testnet at one moment. */
export interface TestnetNodeStatus {
  /** `seedN` or `nodeN` (numbered from 0). */
  readonly name: string
  readonly id: NodeID
  readonly role: 'seed' | 'node'
  /** `id@ip:port` it listens on; empty once stopped. */
  readonly address: string
  /** Connected nodes, seeds not counted (for a seed: every peer). */
  readonly peers: number
  readonly outbound: number
  readonly inbound: number
  /** Addresses in its book. */
  readonly known: number
  /** When it first had `target` peers, ms since the network started; undefined if never. */
  readonly reachedMs: number | undefined
}

/** The state of a testnet, reported every `tickMs` to `onTick`. */
export interface TestnetSnapshot {
  /** ms since every node was started. */
  readonly elapsedMs: number
  /** Peers every node must reach. */
  readonly target: number
  readonly nodes: readonly TestnetNodeStatus[]
  /** Non-seed nodes with at least `target` peers now. */
  readonly atTarget: number
  /** Non-seed nodes. */
  readonly total: number
}

/** What {@link runTestnet} resolves with: the last snapshot, and whether and when it converged. */
export interface TestnetResult extends TestnetSnapshot {
  /** True when every node had `target` peers at once before the timeout. */
  readonly converged: boolean
  /** Why it did not converge. */
  readonly reason: string | undefined
  /** ms from the nodes starting to every node having `target` peers at once (when converged). */
  readonly convergedMs: number | undefined
  /** ms to start every node. */
  readonly startupMs: number
  /** Process memory when the run ended (before stopping the nodes). */
  readonly memory: { rss: number; heapUsed: number }
}

interface Member {
  readonly name: string
  readonly role: 'seed' | 'node'
  readonly node: P2PNode
  reachedMs: number | undefined
}

const DEFAULTS = { nodes: 8, seeds: 1, timeoutMs: 30_000, periodMs: 500, tickMs: 1000, host: '127.0.0.1', chainId: 'p2p-testnet' }

/**
 * A seed (or several) and `nodes` nodes on loopback in one process, each a full node (TCP,
 * SecretConnection, PEX, peer manager) started with only the seeds' addresses; resolves when
 * every node has `target` peers, or at the timeout. Every node is stopped before it resolves.
 */
export async function runTestnet(options: TestnetOptions = {}): Promise<TestnetResult> {
  const o = { ...DEFAULTS, ...options }
  const target = o.target ?? Math.min(4, o.nodes - 1)
  if (!(o.nodes >= 2)) throw new RangeError('a testnet needs at least 2 nodes')
  if (!(target >= 1 && target <= o.nodes - 1)) throw new RangeError(`target must be between 1 and ${o.nodes - 1} (nodes - 1)`)
  const logger = o.logger ?? disabledComponentLogger()
  const layerOptions = {
    // a seed crawls (and so verifies the addresses it hands out) every period, not every 30 s
    pex: { ensurePeersPeriodMs: o.periodMs, crawlPeriodMs: o.periodMs },
    // every node shares this process's one thread: fewer handshakes at once, and more time for each
    peerManager: { ensurePeersPeriodMs: o.periodMs, maxDialsInFlight: 3 },
    transport: { handshakeTimeoutMs: 10_000, nodeInfoTimeoutMs: 10_000 },
    // one IP for every node: lift Go's per-group cap on outbound peers, meant for the internet
    dialStrategy: { maxPerGroup: o.nodes + o.seeds }
  }
  const base = {
    listenAddress: `tcp://${o.host}:0`,
    // every node shares one IP and is not routable: loopback needs both relaxed, as Go's testnets do
    addrBookStrict: false,
    allowDuplicateIp: true,
    flushThrottleTimeoutMs: 10
  }
  const members: Member[] = []
  const t0 = performance.now()
  try {
    for (let i = 0; i < o.seeds; i++) {
      const node = await createNode({
        // every node asks the seed at once: room for all of them, not Go's 40
        config: { ...base, moniker: `seed${i}`, seedMode: true, maxNumInboundPeers: o.nodes + o.seeds, maxNumOutboundPeers: o.nodes + o.seeds },
        nodeKey: generateNodeKey(),
        network: o.chainId,
        logger,
        addrBook: (c) => addrBook({ strict: false })(c),
        layerOptions
      })
      members.push({ name: `seed${i}`, role: 'seed', node, reachedMs: undefined })
      await node.start()
    }
    const seedAddrs = members.map((m) => netAddressString(m.node.listenAddress()))
    const seedIds = new Set<string>(members.map((m) => m.node.id))
    for (let i = 0; i < o.nodes; i++) {
      const node = await createNode({
        config: { ...base, moniker: `node${i}`, seeds: seedAddrs, maxNumOutboundPeers: Math.min(10, o.nodes - 1) },
        nodeKey: generateNodeKey(),
        network: o.chainId,
        logger,
        addrBook: (c) => addrBook({ strict: false })(c),
        layerOptions
      })
      members.push({ name: `node${i}`, role: 'node', node, reachedMs: undefined })
    }
    // Nodes start together, so the time to converge is the network's, not the start-up loop's.
    await Promise.all(members.filter((m) => m.role === 'node').map((m) => m.node.start()))
    const startupMs = performance.now() - t0
    o.onStarted?.(members.map((m) => m.node))
    const started = performance.now()
    const snapshot = (): TestnetSnapshot => {
      const elapsedMs = performance.now() - started
      const nodes = members.map((m) => status(m, target, elapsedMs, seedIds))
      const regular = nodes.filter((n) => n.role === 'node')
      return { elapsedMs, target, nodes, atTarget: regular.filter((n) => n.peers >= target).length, total: regular.length }
    }
    let nextTick = o.tickMs
    for (;;) {
      const s = snapshot()
      if (s.atTarget === s.total) {
        o.onTick?.(s)
        return await finish(s, true, undefined, startupMs)
      }
      if (s.elapsedMs >= nextTick) {
        o.onTick?.(s)
        nextTick += o.tickMs
      }
      if (s.elapsedMs >= o.timeoutMs) {
        return await finish(s, false, `${s.total - s.atTarget} of ${s.total} nodes did not reach ${target} peers within ${Math.round(o.timeoutMs / 1000)} s`, startupMs)
      }
      if (o.signal?.aborted === true) return await finish(s, false, 'interrupted', startupMs)
      await sleep(25)
    }
  } finally {
    await Promise.all(members.map((m) => m.node.stop().catch(() => {})))
  }

  async function finish(s: TestnetSnapshot, converged: boolean, reason: string | undefined, startupMs: number): Promise<TestnetResult> {
    const mem = process.memoryUsage()
    const convergedMs = converged ? s.elapsedMs : undefined
    const result = { ...s, converged, reason, convergedMs, startupMs, memory: { rss: mem.rss, heapUsed: mem.heapUsed } }
    await o.beforeStop?.(result)
    return result
  }
}

/** A node's state; its peers count only other nodes (a seed it is connected to is not a neighbour). */
function status(m: Member, target: number, elapsedMs: number, seedIds: ReadonlySet<string>): TestnetNodeStatus {
  const list = m.node.components.switch.peers().list()
  const others = m.role === 'seed' ? list : list.filter((p) => !seedIds.has(p.id))
  const peers = others.length
  const outbound = others.filter((p) => p.outbound).length
  if (m.role === 'node' && m.reachedMs === undefined && peers >= target) m.reachedMs = elapsedMs
  const addr = m.node.isStarted() ? netAddressString(m.node.listenAddress()) : ''
  return {
    name: m.name,
    id: m.node.id,
    role: m.role,
    address: addr,
    peers,
    outbound,
    inbound: peers - outbound,
    known: m.node.components.addrBook.size(),
    reachedMs: m.reachedMs
  }
}
