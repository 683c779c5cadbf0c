/**
 * A deliberately simple `AddrBook`: one in-memory map with a least-recently-used cap, no buckets,
 * no network groups. It exists to show that the book is replaceable: it passes the same
 * `@p2p/compliance-tests/addrbook` suite as `@p2p/addrbook`. It does NOT have the bucketed book's
 * defence against a peer that floods addresses (one source can push out everything), so use it
 * for tests and small private networks only.
 */
import { randomBytes } from 'node:crypto'
import { open, readFile, rename, unlink } from 'node:fs/promises'
import {
  type AbortOptions,
  AbortError,
  type AddrBook,
  AddrBookError,
  CorruptFileError,
  formatIp,
  type NetAddress,
  type NodeID,
  netAddressProblem,
  netAddressString,
  parseIp,
  type Startable
} from '@p2p/types'

export interface SimpleAddrBookInit {
  /** Most addresses kept; the least recently used one goes first (default 1000). */
  capacity?: number
  /** Where to persist the book as JSON; no persistence without it. */
  filePath?: string
  random?: () => number
  now?: () => number
}

interface Entry {
  addr: NetAddress
  /** We completed a handshake with it (the "old" set of the bucketed book). */
  good: boolean
}

const canonical = (a: NetAddress): NetAddress => {
  const ip = parseIp(a.ip)
  return ip === undefined ? a : { id: a.id, ip: formatIp(ip), port: a.port }
}

export class SimpleAddrBook implements AddrBook, Startable {
  /** Insertion order is recency: touching an entry moves it to the end. */
  private readonly entries = new Map<NodeID, Entry>()
  private readonly bans = new Map<NodeID, number>()
  private readonly ours = new Set<string>()
  private readonly capacity: number
  private readonly random: () => number
  private readonly now: () => number

  constructor(private readonly init: SimpleAddrBookInit = {}) {
    this.capacity = init.capacity ?? 1000
    this.random = init.random ?? Math.random
    this.now = init.now ?? (() => Date.now())
  }

  async start(): Promise<void> {
    if (this.init.filePath === undefined) return
    let text: string
    try {
      text = await readFile(this.init.filePath, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    let saved: { addrs?: Array<{ addr: NetAddress; good: boolean }> }
    try {
      saved = JSON.parse(text) as typeof saved
    } catch (err) {
      throw new CorruptFileError(this.init.filePath, `${this.init.filePath} is not JSON`, { cause: err })
    }
    for (const e of saved.addrs ?? []) {
      if (netAddressProblem(e.addr) === undefined) this.put({ addr: canonical(e.addr), good: e.good === true })
    }
  }

  async stop(): Promise<void> {
    await this.save()
  }

  async save(options?: AbortOptions): Promise<void> {
    if (options?.signal?.aborted === true) throw new AbortError()
    const path = this.init.filePath
    if (path === undefined) return
    const text = JSON.stringify({ addrs: [...this.entries.values()] })
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
    const fh = await open(tmp, 'wx')
    try {
      await fh.writeFile(text)
      await fh.sync()
      await fh.close()
      await rename(tmp, path)
    } catch (err) {
      await fh.close().catch(() => {})
      await unlink(tmp).catch(() => {})
      throw err
    }
  }

  addOurAddress(addr: NetAddress): void {
    const a = canonical(addr)
    this.ours.add(netAddressString(a))
    if (this.entries.get(a.id)?.addr.ip === a.ip) this.entries.delete(a.id)
  }

  isOurAddress(addr: NetAddress): boolean {
    return this.ours.has(netAddressString(canonical(addr)))
  }

  addAddress(addr: NetAddress, src: NetAddress): void {
    if (addr == null || src == null) throw new AddrBookError('nil', 'Cannot add a nil address')
    const problem = netAddressProblem(addr)
    if (problem !== undefined) throw new AddrBookError('invalid', `Cannot add invalid address ${netAddressString(addr)}: ${problem}`)
    const a = canonical(addr)
    if ((this.bans.get(a.id) ?? 0) > this.now()) throw new AddrBookError('banned', `Address: ${netAddressString(a)} is currently banned`)
    this.bans.delete(a.id)
    if (this.ours.has(netAddressString(a))) throw new AddrBookError('self', `Cannot add ourselves with address ${netAddressString(a)}`)
    if (this.entries.has(a.id)) return // first address wins, as in the bucketed book
    this.put({ addr: a, good: false })
  }

  removeAddress(addr: NetAddress): void {
    this.entries.delete(addr.id)
  }

  has(addr: NetAddress): boolean {
    return this.entries.has(addr.id)
  }

  markGood(addr: NetAddress): void {
    const e = this.entries.get(addr.id)
    if (e !== undefined) this.put({ ...e, good: true })
  }

  markAttempt(addr: NetAddress): void {
    const e = this.entries.get(addr.id)
    if (e !== undefined) this.put(e)
  }

  markBad(addr: NetAddress, banMs: number): void {
    if (!this.entries.delete(addr.id)) return
    this.bans.set(addr.id, this.now() + banMs)
    // bans are bounded by the capacity too
    if (this.bans.size > this.capacity) this.bans.delete(this.bans.keys().next().value!)
  }

  pickAddress(biasTowardsNewPct: number): NetAddress | undefined {
    const all = [...this.entries.values()]
    const fresh = all.filter((e) => !e.good)
    const good = all.filter((e) => e.good)
    const bias = Math.min(100, Math.max(0, biasTowardsNewPct))
    const side = this.random() * 100 < bias ? fresh : good
    const from = side.length > 0 ? side : all
    return from.length === 0 ? undefined : from[Math.floor(this.random() * from.length)]!.addr
  }

  getSelection(biasTowardsNewPct?: number): NetAddress[] {
    const size = this.entries.size
    const n = Math.min(250, Math.max(Math.min(32, size), Math.floor((size * 23) / 100)))
    const all = this.shuffle([...this.entries.values()])
    if (biasTowardsNewPct === undefined) return all.slice(0, n).map((e) => e.addr)
    const fresh = all.filter((e) => !e.good)
    const good = all.filter((e) => e.good)
    const wantNew = Math.max(Math.round((Math.min(100, Math.max(0, biasTowardsNewPct)) / 100) * n), n - good.length)
    const picked = fresh.slice(0, wantNew)
    return [...picked, ...good.slice(0, n - picked.length)].map((e) => e.addr)
  }

  list(): NetAddress[] {
    return [...this.entries.values()].map((e) => e.addr)
  }

  size(): number {
    return this.entries.size
  }

  needMoreAddrs(): boolean {
    return this.entries.size < Math.min(1000, this.capacity)
  }

  private put(e: Entry): void {
    this.entries.delete(e.addr.id)
    this.entries.set(e.addr.id, e)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }

  private shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1))
      ;[xs[i], xs[j]] = [xs[j]!, xs[i]!]
    }
    return xs
  }
}

/** Factory in the shape every @p2p layer uses: `(init) => (components) => AddrBook`. */
export function simpleAddrBook(init: SimpleAddrBookInit = {}): (components?: object) => SimpleAddrBook {
  return () => new SimpleAddrBook(init)
}
