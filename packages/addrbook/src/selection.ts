import type { NetAddress } from '@p2p/types'
import type { Bucket, BucketTable } from './bucket-table.js'
import { GET_SELECTION_PERCENT, MAX_GET_SELECTION, MIN_GET_SELECTION } from './constants.js'

type Intn = (n: number) => number

/** Go's selection size: 23 % of the book, at least 32 (or the whole book if smaller), at most 250. */
export function selectionSize(bookSize: number): number {
  const n = Math.max(Math.min(MIN_GET_SELECTION, bookSize), Math.floor((bookSize * GET_SELECTION_PERCENT) / 100))
  return Math.min(MAX_GET_SELECTION, n)
}

/** Go's `percentageOfNum`: p % of n, rounded to nearest (halves away from zero). */
export function percentageOfNum(p: number, n: number): number {
  return Math.round((p / 100) * n)
}

/** Clamps a bias to the integers 0..100 (Go's int argument); NaN counts as 0. */
export function clampBias(bias: number): number {
  if (!(bias > 0)) return 0
  return bias >= 100 ? 100 : Math.trunc(bias)
}

/** `k` distinct indices of [0, n), uniformly: a Fisher-Yates shuffle stopped after k steps, kept sparse. */
export function sampleIndices(n: number, k: number, intn: (n: number) => number): number[] {
  const count = Math.min(k, n)
  const out = new Array<number>(count)
  const swapped = new Map<number, number>()
  for (let i = 0; i < count; i++) {
    const j = i + intn(n - i)
    const atJ = swapped.get(j) ?? j
    swapped.set(j, swapped.get(i) ?? i)
    out[i] = atJ
  }
  return out
}

/**
 * Go's `PickAddress`: the old or the new set, weighted sqrt(nOld)·(100−bias) against
 * sqrt(nNew)·bias, then a random non-empty bucket of that set and a random entry in it.
 * Undefined when the chosen set is empty (no fallback, as in Go). Go draws buckets until one is
 * non-empty; counting them first gives the same distribution without an unbounded loop.
 */
export function pickAddress(table: BucketTable, biasTowardsNewPct: number, random: () => number, intn: Intn): NetAddress | undefined {
  const { nNew, nOld } = table
  if (nNew + nOld === 0) return undefined
  const bias = clampBias(biasTowardsNewPct)
  const oldCorrelation = Math.sqrt(nOld) * (100 - bias)
  const newCorrelation = Math.sqrt(nNew) * bias
  const fromOld = (oldCorrelation + newCorrelation) * random() < oldCorrelation
  if ((fromOld && nOld === 0) || (!fromOld && nNew === 0)) return undefined
  const buckets = fromOld ? table.oldBuckets : table.newBuckets
  let bucket: Bucket | undefined
  // Go's draw-until-non-empty, bounded; then an exact uniform choice among the non-empty ones.
  // Either way every non-empty bucket is equally likely.
  for (let tries = 0; tries < 16 && bucket === undefined; tries++) {
    const b = buckets[intn(buckets.length)]!
    if (b.length > 0) bucket = b
  }
  if (bucket === undefined) {
    let nonEmpty = 0
    for (const b of buckets) if (b.length > 0) nonEmpty++
    let skip = intn(nonEmpty)
    bucket = buckets.find((b) => b.length > 0 && skip-- === 0)
  }
  return bucket?.[intn(bucket.length)]?.addr
}

/** Go's `GetSelection`: a uniform sample of {@link selectionSize} entries, new and old alike. */
export function selectUniform(table: BucketTable, intn: Intn): NetAddress[] {
  const { newEntries, oldEntries, nNew, size } = table
  return sampleIndices(size, selectionSize(size), intn).map((i) => (i < nNew ? newEntries.at(i) : oldEntries.at(i - nNew))!.addr)
}

/**
 * Go's `GetSelectionWithBias`: max(bias % of the selection, selection − nOld) new entries first,
 * then old ones to fill it. Each side is sampled uniformly over entries (Go shuffles bucket
 * slots, so a new entry in several buckets is slightly likelier there).
 */
export function selectWithBias(table: BucketTable, biasTowardsNewPct: number, intn: Intn): NetAddress[] {
  const { newEntries, oldEntries, nOld } = table
  const n = selectionSize(table.size)
  const wantNew = Math.max(percentageOfNum(clampBias(biasTowardsNewPct), n), n - nOld)
  const picked = sampleIndices(newEntries.size, wantNew, intn).map((i) => newEntries.at(i)!.addr)
  for (const i of sampleIndices(oldEntries.size, n - picked.length, intn)) picked.push(oldEntries.at(i)!.addr)
  return picked
}
