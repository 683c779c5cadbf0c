import type { DialContext, DialStrategy, Logger, NetAddress } from '@p2p/types'
import type { Anchors } from './anchors.js'
import type { BackgroundTasks } from './background.js'
import type { DialGate } from './dial-gate.js'
import type { DialScheduler } from './dial-scheduler.js'
import type { PeerManagerComponents } from './index.js'
import type { PeerManagerOptions } from './options.js'
import type { Seeds } from './seeds.js'
import { RepeatingTask } from './timers.js'

export interface EnsurePeersDeps {
  anchors: Anchors
  seeds: Seeds
  gate: DialGate
  background: BackgroundTasks
  /** The scheduler of the manager's current run; none before the first start. */
  scheduler(): DialScheduler | undefined
  /** The manager's own signal; none while it is stopped. */
  signal(): AbortSignal | undefined
  /** The manager's answers, as the strategy sees them. */
  isDialingOrConnected(addr: NetAddress): boolean
  isBanned(addr: NetAddress): boolean
  isExcluded(addr: NetAddress): boolean
  log: Logger
}

/**
 * Go's `ensurePeers` loop: every period (and on demand) top the outbound peers up to the
 * target, anchors first, then what the dial strategy proposes, then the seeds when the book
 * has nothing to dial.
 */
export class EnsurePeersLoop {
  private task: RepeatingTask | undefined

  constructor(
    private readonly c: Pick<PeerManagerComponents, 'switch' | 'addrBook'> & { dialStrategy: DialStrategy },
    private readonly o: Pick<PeerManagerOptions, 'maxOutboundPeers' | 'ensurePeersPeriodMs' | 'random'>,
    private readonly deps: EnsurePeersDeps
  ) {}

  /** Starts the rounds; they end when `signal` fires. */
  start(signal: AbortSignal): void {
    this.task = new RepeatingTask(() => this.round(), this.o.ensurePeersPeriodMs, signal)
    // Go: when peers are connected or being dialled already, the first round waits a random part of the period
    const counts = this.c.switch.numPeers()
    const busy = counts.outbound + counts.inbound + (this.deps.scheduler()?.size ?? 0) > 0
    this.task.start(busy ? Math.floor(this.o.random() * this.o.ensurePeersPeriodMs) : 0)
  }

  /** Runs a round now (or right after the one in progress). */
  runNow(): void {
    this.task?.runNow()
  }

  /** Resolves when the round in progress (if any) ends. */
  idle(): Promise<void> {
    return this.task?.idle() ?? Promise.resolve()
  }

  private context(wanted: number): DialContext {
    const { anchors, scheduler } = this.deps
    const counts = this.c.switch.numPeers()
    const outboundAddresses = anchors.outboundAddresses()
    for (const p of this.c.switch.peers().list()) if (p.outbound && !anchors.isOutbound(p.id)) outboundAddresses.push(p.socketAddr)
    outboundAddresses.push(...(scheduler()?.addresses((counted) => counted) ?? []))
    return {
      wanted,
      outboundTarget: this.o.maxOutboundPeers,
      outbound: counts.outbound,
      inbound: counts.inbound,
      dialing: scheduler()?.counted ?? 0,
      outboundAddresses,
      isDialingOrConnected: (a) => this.deps.isDialingOrConnected(a),
      isBanned: (a) => this.deps.isBanned(a),
      isExcluded: (a) => this.deps.isExcluded(a)
    }
  }

  /** Outbound peers still wanted: target − outbound − dialling. */
  private rawWanted(): number {
    const s = this.deps.scheduler()
    if (s === undefined) return 0
    return Math.max(0, this.o.maxOutboundPeers - this.c.switch.numPeers().outbound - s.counted)
  }

  /** {@link rawWanted} within the free dial slots. */
  private wanted(): number {
    return Math.min(this.rawWanted(), this.deps.scheduler()?.free ?? 0)
  }

  private async round(): Promise<void> {
    const { anchors, seeds, gate, background, log } = this.deps
    const signal = this.deps.signal()
    if (signal === undefined || signal.aborted) return
    if (anchors.changed()) background.add(anchors.save().catch((err: unknown) => log.error('saving anchors: %s', (err as Error).message)))
    let wanted = this.wanted()
    if (wanted <= 0) return
    wanted -= anchors.dial(signal, wanted)
    if (wanted <= 0) return
    let proposed: NetAddress[] = []
    try {
      proposed = await this.c.dialStrategy.next(this.context(wanted), { signal })
    } catch (err) {
      if (signal.aborted) return
      log.error('dial strategy failed: %s', (err as Error).message)
    }
    if (signal.aborted) return
    // the world moved while the strategy thought: count again
    wanted = this.wanted()
    const chosen = new Map<string, NetAddress>()
    for (const a of proposed) {
      if (chosen.size >= wanted) break
      if (chosen.has(a.id) || this.deps.isExcluded(a)) continue
      chosen.set(a.id, a)
    }
    // Go dials every chosen address at once; with a cap on dials in flight, a round cut short
    // by the cap (or during a seed's burst) goes on as its dials settle, until the slots are full
    const goOn = this.rawWanted() > chosen.size || seeds.bursting()
    for (const a of chosen.values()) {
      background.add(
        gate
          .dial(a, signal, false)
          .then(
            () => this.c.dialStrategy.onDialResult?.(a, 'ok'),
            (err: unknown) => {
              if ((err as Error).name !== 'AbortError') this.c.dialStrategy.onDialResult?.(a, err as Error)
            }
          )
          .finally(() => {
            if (goOn && !signal.aborted && this.wanted() > 0) this.runNow()
          })
      )
    }
    // Go dials seeds only when the book had nothing to dial
    if (chosen.size === 0 && seeds.configured && this.c.addrBook.needMoreAddrs()) background.add(seeds.dial(signal))
  }
}
