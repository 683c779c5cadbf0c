import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type NodeInfo,
  type Peer,
  type PeerManager,
  type PeerSet,
  type Reactor,
  type Switch,
  type SwitchEvents,
  type Transport,
  TypedEventEmitter
} from '@p2p/types'

/** A temporary directory removed by the returned function. */
export async function tempDir(prefix = 'p2p-node-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

const emptyPeers: PeerSet = { has: () => false, hasIp: () => false, get: () => undefined, list: () => [], size: 0 }

/**
 * A recording stand-in for the switch, for tests of the composition (order of start and stop,
 * reactors added, components handed over). It admits no peers: the real switch's own tests
 * cover that.
 */
export class RecordingSwitch extends TypedEventEmitter<SwitchEvents> implements Switch {
  readonly reactors: Reactor[] = []
  constructor(
    readonly log: string[],
    readonly components: { transport: Transport; nodeInfo: () => NodeInfo }
  ) {
    super()
  }
  get events(): this {
    return this
  }
  addReactor(r: Reactor): void {
    this.reactors.push(r)
    this.log.push(`addReactor ${r.name}`)
  }
  removeReactor(): void {}
  reactor(name: string): Reactor | undefined {
    return this.reactors.find((r) => r.name === name)
  }
  nodeInfo(): NodeInfo {
    return this.components.nodeInfo()
  }
  peers(): PeerSet {
    return emptyPeers
  }
  numPeers(): { outbound: number; inbound: number } {
    return { outbound: 0, inbound: 0 }
  }
  async broadcast(): Promise<[]> {
    return []
  }
  stopPeer(): void {}
  async stopPeerGracefully(): Promise<void> {}
  async dialPeer(): Promise<Peer> {
    throw new Error('RecordingSwitch dials nothing')
  }
  async addPeer(): Promise<Peer> {
    throw new Error('RecordingSwitch admits nothing')
  }
  isDialing(): boolean {
    return false
  }
  start(): void {
    this.log.push('switch start')
  }
  stop(): void {
    this.log.push('switch stop')
  }
}

export function recordingPeerManager(log: string[]): PeerManager {
  return {
    start: () => void log.push('peerManager start'),
    stop: () => void log.push('peerManager stop'),
    dial: async () => {
      throw new Error('no dials in this test')
    },
    isDialingOrConnected: () => false
  }
}

export function recordingReactor(name: string, channel: number, log: string[]): Reactor {
  return {
    name,
    channels: () => [{ id: channel, priority: 1 }],
    attach: () => void log.push(`${name} attach`),
    receive: () => {}
  }
}

/** The error `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p
  } catch (err) {
    return err as Error & Record<string, unknown>
  }
  throw new Error('expected a rejection')
}
