import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeAddrBook } from '../src/file.js'
import { makeBook, seeded, tempDir } from './helpers.js'

/** Kills in the normal suite; `CRASH_KILLS=200 pnpm run soak:crash` for a long run. */
const KILLS = Number(process.env.CRASH_KILLS ?? 5)
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const child = fileURLToPath(new URL('./save-loop-child.ts', import.meta.url))
const tsconfig = fileURLToPath(new URL('../../../tsconfig.test.json', import.meta.url))

interface Run {
  loaded: number
  killedAfterMs: number
}

/** Starts the saving child, waits until it has saved once, kills it with SIGKILL after `delayMs`. */
function runAndKill(path: string, seed: number, delayMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', tsxLoader, child, path, String(seed)], {
      env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    let loaded = -1
    let killedAt = 0
    let start = 0
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /loaded (\d+)/.exec(out)
      if (m !== null) loaded = Number(m[1])
      if (start === 0 && out.includes('ready')) {
        start = Date.now()
        setTimeout(() => {
          killedAt = Date.now()
          proc.kill('SIGKILL')
        }, delayMs)
      }
    })
    proc.stderr.on('data', (d: Buffer) => {
      err += d.toString()
    })
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && loaded >= 0) resolve({ loaded, killedAfterMs: killedAt - start })
      else reject(new Error(`child exited ${code} ${signal} before being killed: ${out}\n${err}`))
    })
  })
}

describe('crash safety of saves', () => {
  let dir: string
  let cleanup: () => void
  beforeEach(() => ({ dir, cleanup } = tempDir()))
  afterEach(() => cleanup())

  it(`a writer killed at ${KILLS} random points never leaves an unloadable file`, { timeout: 20_000 + KILLS * 3_000 }, async () => {
    const path = join(dir, 'addrbook.json')
    const random = seeded(99)
    let previous = 0
    for (let k = 0; k < KILLS; k++) {
      // the child loads what the previous one left: a corrupt file would make it fail to start
      const run = await runAndKill(path, k + 1, Math.floor(random() * 150))
      expect(run.loaded).toBeGreaterThanOrEqual(previous)
      const decoded = decodeAddrBook(readFileSync(path, 'utf8'), path)
      expect(decoded.dropped).toEqual([])
      previous = decoded.records.length
      expect(previous).toBeGreaterThan(0)
    }
    const book = makeBook({ filePath: path })
    await book.start()
    expect(book.size()).toBe(previous)
    // killed writers leave temporary files behind; start removes them
    expect(readdirSync(dir)).toEqual(['addrbook.json'])
    await book.stop()
  })
})
