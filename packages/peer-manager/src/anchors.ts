import { readFile } from 'node:fs/promises'
import { CorruptFileError, isNodeId, type Logger, type NetAddress, type NodeID, netAddressFromProto, netAddressString, type Peer } from '@p2p/types'
import { moveAside, removeStaleTempFiles, writeFileAtomic } from '@p2p/types/fs'

/** A larger anchors file is not ours. */
const MAX_FILE_BYTES = 64 * 1024

/** How many times an anchor is dialled (at start, then in the first ensure rounds) before it is an ordinary address. */
const ANCHOR_TRIES = 3

interface AnchorsFile {
  version: 1
  anchors: Array<{ id: string; ip: string; port: number }>
}

/**
 * Reads the anchors: the last good outbound peers, dialled first at start (Bitcoin Core's
 * anchors.dat). A missing file is no anchors; a file that is not ours is moved aside and the
 * `CorruptFileError` (with `movedTo`) is thrown, so nothing replaces it silently.
 */
export async function readAnchors(path: string, max: number, now: number): Promise<NetAddress[]> {
  // temporary files of a writer killed mid-write
  await removeStaleTempFiles(path)
  let text: string
  try {
    const buf = await readFile(path)
    if (buf.length > MAX_FILE_BYTES) throw new SyntaxError(`file is ${buf.length} bytes, more than ${MAX_FILE_BYTES}`)
    text = buf.toString('utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    if (!(err instanceof SyntaxError)) throw err
    return await corrupt(path, err, now)
  }
  try {
    const data = JSON.parse(text) as Partial<AnchorsFile>
    if (data === null || typeof data !== 'object' || data.version !== 1 || !Array.isArray(data.anchors)) {
      throw new SyntaxError('not an anchors file (version 1)')
    }
    const out: NetAddress[] = []
    for (const a of data.anchors.slice(0, max)) {
      if (a === null || typeof a !== 'object' || !isNodeId(a.id) || typeof a.ip !== 'string' || typeof a.port !== 'number') {
        throw new SyntaxError(`bad anchor ${JSON.stringify(a)}`)
      }
      out.push(netAddressFromProto(a))
    }
    return out
  } catch (err) {
    return await corrupt(path, err, now)
  }
}

async function corrupt(path: string, err: unknown, now: number): Promise<never> {
  const movedTo = await moveAside(path, now)
  throw new CorruptFileError(path, `anchors file ${path} is unreadable (${(err as Error).message}); moved to ${movedTo}`, { cause: err, movedTo })
}

/** Writes the anchors atomically. */
export async function writeAnchors(path: string, anchors: readonly NetAddress[]): Promise<void> {
  const data: AnchorsFile = { version: 1, anchors: anchors.map((a) => ({ id: a.id, ip: a.ip, port: a.port })) }
  // the shared atomic write: temporary file, fsync, rename, fsync of the directory
  await writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o644 })
}

/** The anchors as text, to compare two lists cheaply. */
function anchorsKey(anchors: readonly NetAddress[]): string {
  return anchors.map(netAddressString).join(',')
}

export interface AnchorsOptions {
  /** Where the anchors live; without it there are none. */
  file: string | undefined
  /** How many anchors are read and written. */
  max: number
  now(): number
}

export interface AnchorsDeps {
  isConnected(id: NodeID): boolean
  /** True when the ensure loop would not dial `addr` now. */
  isExcluded(addr: NetAddress): boolean
  /** An ordinary dial that does not wait for a slot. */
  dial(addr: NetAddress, signal: AbortSignal): Promise<Peer>
  /** Keeps `p` running in the background until the manager stops. */
  track(p: Promise<unknown>): void
  log: Logger
}

/**
 * The anchors of a running manager: the outbound peers it holds (the next anchors, longest
 * connected first), the anchors it read at start with the tries each has left, and what was
 * last written, so the file is written only when the list changes.
 */
export class Anchors {
  private list: NetAddress[] = []
  /** Anchors not connected yet, with the tries left. */
  private toTry = new Map<string, number>()
  private saved = ''
  /** Outbound peers (not persistent, not unconditional) by ID, with when they connected. */
  private readonly outboundSince = new Map<NodeID, { addr: NetAddress; since: number }>()

  constructor(
    private readonly o: AnchorsOptions,
    private readonly deps: AnchorsDeps
  ) {}

  /** How many anchors there are to dial at start. */
  get size(): number {
    return this.list.length
  }

  /** True when the anchors live in a file (without one there are none). */
  get persisted(): boolean {
    return this.o.file !== undefined
  }

  /** Reads the file; rejects as {@link readAnchors}. */
  async load(): Promise<void> {
    if (this.o.file === undefined) return
    this.list = await readAnchors(this.o.file, this.o.max, this.o.now())
    this.saved = anchorsKey(this.list)
  }

  /** An outbound peer connected: a candidate anchor from `since` on. */
  connected(id: NodeID, addr: NetAddress, since: number): void {
    this.outboundSince.set(id, { addr, since })
  }

  disconnected(id: NodeID): void {
    this.outboundSince.delete(id)
  }

  /** Forgets every outbound peer (the manager stopped). */
  clearConnected(): void {
    this.outboundSince.clear()
  }

  isOutbound(id: NodeID): boolean {
    return this.outboundSince.has(id)
  }

  /** The addresses of the outbound peers held, in the order they connected. */
  outboundAddresses(): NetAddress[] {
    return [...this.outboundSince.values()].map((x) => x.addr)
  }

  /** The anchors that would be written now: the longest-connected outbound peers, then the old anchors. */
  current(): NetAddress[] {
    const live = [...this.outboundSince.values()].sort((a, b) => a.since - b.since).map((x) => x.addr)
    const ids = new Set(live.map((a) => a.id))
    return [...live, ...this.list.filter((a) => !ids.has(a.id))].slice(0, this.o.max)
  }

  /**
   * Every anchor gets its tries again: an anchor that still holds our previous connection
   * refuses us for a moment, so the first rounds try the anchors again before anything else.
   */
  resetTries(): void {
    this.toTry = new Map(this.list.map((a) => [a.id, ANCHOR_TRIES]))
  }

  /** Dials up to `max` anchors that still have tries left; returns how many dials started. */
  dial(signal: AbortSignal, max: number): number {
    let started = 0
    for (const a of this.list) {
      if (started >= max) break
      const left = this.toTry.get(a.id) ?? 0
      if (left <= 0) continue
      if (this.deps.isConnected(a.id)) {
        this.toTry.delete(a.id)
        continue
      }
      if (this.deps.isExcluded(a)) continue
      this.toTry.set(a.id, left - 1)
      started++
      this.deps.track(this.deps.dial(a, signal).catch((err: unknown) => this.deps.log('anchor %s: %s', netAddressString(a), (err as Error).message)))
    }
    return started
  }

  /** True when there is a file and the anchors differ from what it holds. */
  changed(): boolean {
    return this.persisted && anchorsKey(this.current()) !== this.saved
  }

  /** Writes the anchors when they changed; they are also the ones dialled at the next start. */
  async save(): Promise<void> {
    if (this.o.file === undefined) return
    const list = this.current()
    const key = anchorsKey(list)
    if (key === this.saved) return
    this.list = list
    this.saved = key
    await writeAnchors(this.o.file, list)
  }
}
