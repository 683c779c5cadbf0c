#!/usr/bin/env node
/**
 * Runs tests again and again, optionally with the cores kept busy, and reports every failure:
 * the opt-in way to catch a timing-dependent test before CI does. CI machines have 2 cores, and a
 * test that fails 1 run in 10 passes most single local runs.
 *
 *   node scripts/flake-hunt.mjs [--runs=10] [--load=0] [--stop-on-fail] [vitest arguments...]
 *   node scripts/flake-hunt.mjs --runs=12 --load=2 packages/pex/test/network.spec.ts -t "20-node"
 *
 * `--load=N` keeps N busy processes (one spin loop each) running for the whole hunt. Everything
 * else goes to `vitest run`. Prints one line per run and, at the end, each failed test with the
 * number of runs it failed in. Exits 1 if any run failed (or did not finish), 0 otherwise.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The hunt's own options, and what goes to vitest. */
export function parseArgs(argv) {
  const options = { runs: 10, load: 0, stopOnFail: false, vitest: [] }
  for (const arg of argv) {
    const m = /^--(runs|load)=(.*)$/.exec(arg)
    if (m !== null) {
      const n = Number(m[2])
      if (!Number.isInteger(n) || n < (m[1] === 'runs' ? 1 : 0)) throw new Error(`${arg}: expected a whole number${m[1] === 'runs' ? ' >= 1' : ' >= 0'}`)
      options[m[1]] = n
    } else if (arg === '--stop-on-fail') {
      options.stopOnFail = true
    } else {
      options.vitest.push(arg)
    }
  }
  return options
}

/** The full names of the failed tests in a vitest JSON report (its `testResults`). */
export function failedTests(report) {
  const failed = []
  for (const file of report.testResults ?? []) {
    const tests = file.assertionResults ?? []
    for (const t of tests) if (t.status === 'failed') failed.push(`${relative(file.name)} > ${t.fullName}`)
    // A file that failed to load has no failed test of its own.
    if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) failed.push(`${relative(file.name)} (${firstLine(file.message)})`)
  }
  return failed
}

const relative = (path) => (path.startsWith(`${process.cwd()}/`) ? path.slice(process.cwd().length + 1) : path)
const firstLine = (text) => (text ?? 'failed').split('\n')[0]

function runVitest(args, outputFile) {
  return new Promise((resolve) => {
    const bin = join(process.cwd(), 'node_modules', '.bin', 'vitest')
    const child = spawn(bin, ['run', '--reporter=json', `--outputFile=${outputFile}`, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => {
      if (stderr.length < 4096) stderr += d
    })
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

async function main() {
  let options
  try {
    options = parseArgs(process.argv.slice(2))
  } catch (err) {
    console.error(`flake-hunt: ${err.message}\nusage: node scripts/flake-hunt.mjs [--runs=10] [--load=0] [--stop-on-fail] [vitest arguments...]`)
    process.exitCode = 2
    return
  }
  const busy = Array.from({ length: options.load }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
  const stopBusy = () => {
    for (const b of busy) b.kill()
  }
  process.once('SIGINT', () => {
    stopBusy()
    process.exit(130)
  })
  const dir = mkdtempSync(join(tmpdir(), 'flake-hunt-'))
  const counts = new Map()
  let failedRuns = 0
  try {
    for (let run = 1; run <= options.runs; run++) {
      const started = Date.now()
      const out = join(dir, `run-${run}.json`)
      const { code, stderr } = await runVitest(options.vitest, out)
      let failed
      try {
        failed = failedTests(JSON.parse(readFileSync(out, 'utf8')))
      } catch {
        failed = [`vitest exited ${code} without a report: ${firstLine(stderr.trim())}`]
      }
      if (code !== 0 && failed.length === 0) failed = [`vitest exited ${code}: ${firstLine(stderr.trim())}`]
      for (const name of failed) counts.set(name, (counts.get(name) ?? 0) + 1)
      if (failed.length > 0) failedRuns++
      const secs = ((Date.now() - started) / 1000).toFixed(0)
      console.log(`run ${run}/${options.runs}: ${failed.length === 0 ? 'passed' : `FAILED ${failed.join('; ')}`} (${secs} s)`)
      if (failed.length > 0 && options.stopOnFail) break
    }
  } finally {
    stopBusy()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(failedRuns === 0 ? `every run passed (${options.runs}, load ${options.load})` : `${failedRuns} run(s) failed:`)
  for (const [name, n] of counts) console.log(`  ${n}x ${name}`)
  process.exitCode = failedRuns === 0 ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
