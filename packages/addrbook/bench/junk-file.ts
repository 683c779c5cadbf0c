/**
 * Opt-in (`pnpm --filter @p2p/addrbook bench:junk`): issue 10 hole 3. Writes a 50 MB
 * addrbook.json of ~26 M non-object entries (under the 64 MiB size cap) to a temporary
 * directory, starts a book on it with `corruptFile: 'start-empty'`, and prints the time, the
 * peak RSS and the number of log lines. The file is deleted afterwards; it is never committed.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '@p2p/types'
import { addrBook } from '../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'addrbook-junk-'))
try {
  const path = join(dir, 'addrbook.json')
  const entries = 26_000_000
  writeFileSync(path, `{"key":"0123456789abcdef01234567","addrs":[${'1,'.repeat(entries - 1)}1]}`)
  const size = statSync(path).size
  let lines = 0
  const log = Object.assign(() => { lines++ }, { error: () => { lines++ }, trace: () => {}, enabled: true }) as unknown as Logger
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 5)
  const before = process.memoryUsage().rss
  const t0 = performance.now()
  const book = addrBook({ filePath: path, corruptFile: 'start-empty' })({ logger: { forComponent: () => log } })
  await book.start()
  const ms = performance.now() - t0
  peak = Math.max(peak, process.memoryUsage().rss)
  clearInterval(sampler)
  await book.stop()
  console.log(`| file | entries | start | peak RSS (before → peak) | log lines | book size |`)
  console.log(`| --- | --- | --- | --- | --- | --- |`)
  console.log(`| ${(size / 1e6).toFixed(1)} MB | ${entries} | ${ms.toFixed(0)} ms | ${(before / 2 ** 20).toFixed(0)} → ${(peak / 2 ** 20).toFixed(0)} MiB | ${lines} | ${book.size()} |`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
