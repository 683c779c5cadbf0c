import { type AbortOptions, AbortError, type AddrBookErrorReason, type Counter, type Gauge, type Logger, type Metrics } from '@p2p/types'
import type { BookState } from './book-state.js'
import { type CorruptFilePolicy, readBookFile, writeFileAtomic } from './book-file.js'
import { BUCKET_TYPE_NEW, BUCKET_TYPE_OLD } from './constants.js'
import { encodeAddrBook } from './file.js'
import { restoreBook } from './restore.js'

/** The book's options with every default applied. */
export interface ResolvedOptions {
  filePath: string | undefined
  strict: boolean
  privateIds: readonly string[]
  random: () => number
  now: () => number
  key: string
  hashKey: Uint8Array
  saveIntervalMs: number
  corruptFile: CorruptFilePolicy
  maxFileBytes: number
  metrics: Metrics | undefined
}

/** setTimeout cannot wait longer than this; longer waits are done in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Start/stop, persistence and timers of a {@link BookState}: load at start, save every
 * `saveIntervalMs` while something changed, save at stop, and wake up when a ban ends. Saves
 * are serialised; each writes the state of the moment it begins.
 */
export class BookLifecycle {
  private started = false
  private starting: Promise<void> | undefined
  private saveTimer: ReturnType<typeof setTimeout> | undefined
  private banTimer: ReturnType<typeof setTimeout> | undefined
  private saving: Promise<void> = Promise.resolve()
  private dirty = false
  private readonly sizeGauge: Gauge | undefined
  private readonly rejectedCounter: Counter | undefined

  constructor(
    private readonly book: BookState,
    private readonly options: ResolvedOptions,
    private readonly log: Logger
  ) {
    this.sizeGauge = options.metrics?.registerGauge('cometbft_p2p_addrbook_size', {
      help: 'Addresses in the address book, by bucket type',
      labelNames: ['type']
    })
    this.rejectedCounter = options.metrics?.registerCounter('cometbft_p2p_addrbook_rejected_total', {
      help: 'Addresses the address book refused, by reason',
      labelNames: ['reason']
    })
  }

  start(): Promise<void> {
    // concurrent calls share one load
    this.starting ??= this.load().finally(() => {
      this.starting = undefined
    })
    return this.starting
  }

  private async load(): Promise<void> {
    if (this.started) return
    const path = this.options.filePath
    if (path !== undefined) {
      try {
        const decoded = await readBookFile(path, this.options.maxFileBytes, this.options.now())
        if (decoded !== undefined) {
          const { restored, dropped } = restoreBook(this.book, decoded, this.options)
          this.log('loaded %d addresses from %s', restored, path)
          // One summary line: a hostile file must not turn into one log line per entry.
          const first = dropped[0]
          if (first !== undefined) {
            this.log.error('dropped %d entries of %s (the first, entry %d: %s)', dropped.length, path, first.index, first.reason)
          }
        }
      } catch (err) {
        if (this.options.corruptFile === 'throw' || (err as Error).name !== 'CorruptFileError') throw err
        this.log.error('starting with an empty address book: %s', (err as Error).message)
      }
    }
    this.started = true
    this.scheduleSave()
    this.banScheduleChanged()
    this.updateGauges()
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.saveTimer)
    clearTimeout(this.banTimer)
    this.saveTimer = undefined
    this.banTimer = undefined
    try {
      await this.save()
    } catch (err) {
      this.log.error('saving the address book at stop failed: %s', (err as Error).message)
    }
  }

  save(options?: AbortOptions): Promise<void> {
    const path = this.options.filePath
    if (path === undefined) return Promise.resolve()
    const run = async (): Promise<void> => {
      if (options?.signal?.aborted === true) throw new AbortError()
      this.dirty = false
      const text = encodeAddrBook(this.book.key, this.book.table.lookup.values())
      try {
        // Go writes addrbook.json with mode 0644.
        await writeFileAtomic(path, text, { mode: 0o644, dirMode: 0o755 })
      } catch (err) {
        this.dirty = true
        throw err
      }
    }
    const next = this.saving.then(run, run)
    this.saving = next.catch(() => {})
    return next
  }

  /** The book changed: the next periodic save has work to do; gauges follow. */
  changed(): void {
    this.dirty = true
    if (this.sizeGauge !== undefined) this.updateGauges()
  }

  rejected(reason: AddrBookErrorReason): void {
    this.rejectedCounter?.increment(1, { reason })
  }

  /** Re-arms the ban timer for the ban that ends first. */
  banScheduleChanged(): void {
    if (!this.started) return
    clearTimeout(this.banTimer)
    this.banTimer = undefined
    const end = this.book.nextBanEnd
    if (end === Number.POSITIVE_INFINITY) return
    const delay = Math.min(Math.max(end - this.options.now() + 1, 0), MAX_TIMER_MS)
    this.banTimer = setTimeout(() => {
      this.banTimer = undefined
      this.book.maybeReinstate()
      this.banScheduleChanged()
    }, delay)
    this.banTimer.unref?.()
  }

  private scheduleSave(): void {
    if (!this.started || this.options.filePath === undefined) return
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined
      const work = this.dirty ? this.save() : Promise.resolve()
      work
        .catch((err: unknown) => this.log.error('periodic save of the address book failed: %s', (err as Error).message))
        .finally(() => this.scheduleSave())
    }, Math.min(this.options.saveIntervalMs, MAX_TIMER_MS))
    this.saveTimer.unref?.()
  }

  private updateGauges(): void {
    this.sizeGauge?.set(this.book.table.nNew, { type: bucketLabel(BUCKET_TYPE_NEW) })
    this.sizeGauge?.set(this.book.table.nOld, { type: bucketLabel(BUCKET_TYPE_OLD) })
  }
}

function bucketLabel(type: number): 'new' | 'old' {
  return type === BUCKET_TYPE_OLD ? 'old' : 'new'
}
