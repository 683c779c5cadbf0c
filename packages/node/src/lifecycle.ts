import type { P2PConfig } from '@p2p/config'
import {
  ConfigError,
  type Logger,
  type NetAddress,
  type NodeID,
  type NodeInfo,
  type SwitchEvents,
  type TypedEventTarget,
  isStartable,
  netAddressString,
  parseNetAddressLiteral,
  splitNetAddress
} from '@p2p/types'
import type { NodeComponents } from './components.js'
import type { LayerInits } from './config-to-init.js'
import type { P2PNode } from './create-node.js'
import { openFileLimit, requiredFileDescriptors } from './fd-limit.js'

/**
 * The environment refused what the configuration asks for (a port in use, too few file
 * descriptors). A `ConfigError` (its `key` names the setting to change) that the CLI reports with
 * its own exit code.
 */
export class ResourceError extends ConfigError {
  readonly resource = true
}

/** Socket errors of `listen` that mean "pick another address", not "the code is broken". */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine'
}

/** How often one seed's failure is reported again while it stays unreachable. */
const SEED_REPORT_INTERVAL_MS = 30_000

export interface NodeLifecycleInit {
  config: P2PConfig
  inits: LayerInits
  components: NodeComponents
  nodeInfo: () => NodeInfo
  setNodeInfo: (info: NodeInfo) => void
}

/** Starts and stops the composed layers in order; idempotent, and undoes a half-done start. */
export class NodeLifecycle implements P2PNode {
  readonly [Symbol.toStringTag] = '@p2p/node'
  readonly id: NodeID
  readonly config: P2PConfig
  readonly inits: LayerInits
  readonly components: NodeComponents
  readonly nodeInfo: () => NodeInfo
  readonly #setNodeInfo: (info: NodeInfo) => void
  readonly #log: Logger
  #started = false
  #chain: Promise<void> = Promise.resolve()
  #controller: AbortController | undefined
  readonly #seedIds: Set<string>
  readonly #seedReported = new Map<string, number>()

  constructor(init: NodeLifecycleInit) {
    this.config = init.config
    this.inits = init.inits
    this.components = init.components
    this.nodeInfo = init.nodeInfo
    this.#setNodeInfo = init.setNodeInfo
    this.id = init.components.nodeKey.id
    this.#log = init.components.logger.forComponent('p2p:node')
    this.#seedIds = new Set(init.config.seeds.map((s) => splitNetAddress(s).id))
  }

  get events(): TypedEventTarget<SwitchEvents> {
    return this.components.switch.events
  }

  listenAddress(): NetAddress {
    return this.components.transport.listenAddress()
  }

  isStarted(): boolean {
    return this.#started
  }

  start(): Promise<void> {
    return this.#serial(() => (this.#started ? undefined : this.#start()))
  }

  stop(): Promise<void> {
    return this.#serial(() => (this.#started ? this.#stop() : undefined))
  }

  /** Runs start and stop one at a time, in call order, so concurrent calls cannot interleave. */
  #serial(op: () => Promise<void> | undefined): Promise<void> {
    const run = this.#chain.then(op)
    this.#chain = run.catch(() => {})
    return run
  }

  async #start(): Promise<void> {
    const { addrBook, transport, switch: sw, peerManager } = this.components
    await this.#checkFileLimit()
    const undo: Array<() => unknown> = []
    try {
      if (isStartable(addrBook)) {
        await addrBook.start()
        undo.push(() => addrBook.stop?.())
      }
      await this.#listen()
      undo.push(() => transport.stop())
      this.#advertise()
      await sw.start()
      undo.push(() => sw.stop())
      if (peerManager !== undefined) {
        await peerManager.start()
        undo.push(() => peerManager.stop())
      }
    } catch (err) {
      for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => {})
      throw err
    }
    this.#controller = new AbortController()
    this.#watch(this.#controller.signal)
    this.#started = true
    this.#log('started %s listening on %s', this.id, this.nodeInfo().listenAddr)
  }

  async #stop(): Promise<void> {
    const { addrBook, transport, switch: sw, peerManager } = this.components
    this.#controller?.abort()
    this.#controller = undefined
    this.#started = false
    // Reverse order; keep going past a failing step so the address book is still saved.
    const errors: unknown[] = []
    const step = async (fn: () => unknown): Promise<void> => {
      try {
        await fn()
      } catch (err) {
        errors.push(err)
      }
    }
    if (peerManager !== undefined) await step(() => peerManager.stop())
    await step(() => sw.stop())
    await step(() => transport.stop())
    if (isStartable(addrBook)) await step(() => addrBook.stop())
    else await step(() => addrBook.save())
    if (errors.length > 0) throw errors[0]
  }

  async #checkFileLimit(): Promise<void> {
    const limit = await openFileLimit()
    const need = requiredFileDescriptors(this.config)
    if (limit !== undefined && limit < need) {
      throw new ResourceError(
        'p2p.max_num_inbound_peers',
        `open-file limit ${limit} is too low for max_num_inbound_peers + max_num_outbound_peers (need at least ${need}): raise it (ulimit -n ${need}) or lower the peer limits`
      )
    }
  }

  async #listen(): Promise<void> {
    try {
      await this.components.transport.start()
    } catch (err) {
      const code = (err as { code?: unknown }).code
      const why = typeof code === 'string' ? LISTEN_ERRORS[code] : undefined
      if (why === undefined) throw err
      throw new ResourceError('p2p.laddr', `p2p.laddr ${this.config.listenAddress}: ${why}`, { cause: err })
    }
  }

  /** Our NodeInfo gets the bound port; the book learns our own addresses so it never stores them. */
  #advertise(): void {
    const bound = this.components.transport.listenAddress()
    const external = this.inits.nodeInfo.externalAddress
    const info = this.nodeInfo()
    if (external === undefined) this.#setNodeInfo({ ...info, listenAddr: `tcp://${bound.ip.includes(':') ? `[${bound.ip}]` : bound.ip}:${bound.port}` })
    const book = this.components.addrBook
    book.addOurAddress(bound)
    if (external !== undefined) {
      try {
        book.addOurAddress(parseNetAddressLiteral(`${this.id}@${external}`))
      } catch {
        // a host name: the book refuses names anyway, so it can never be stored
      }
    }
  }

  #watch(signal: AbortSignal): void {
    const sw = this.components.switch
    // peer added / removed / dial failed are logged once, by the switch (p2p:switch)
    sw.events.addEventListener(
      'dial:error',
      (e) => {
        const { addr, error } = e.detail
        if (!this.#seedIds.has(addr.id)) return
        const now = Date.now()
        const last = this.#seedReported.get(addr.id)
        if (last !== undefined && now - last < SEED_REPORT_INTERVAL_MS) return
        this.#seedReported.set(addr.id, now)
        this.#log.error('seed %s unreachable: %s (will keep trying)', netAddressString(addr), error.message)
      },
      { signal }
    )
  }
}
