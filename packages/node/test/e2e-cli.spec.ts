/**
 * The CLI as an operator runs it: separate processes on loopback, a seed and three nodes that
 * know only the seed, graceful and hard stops, and the bad inputs an operator meets.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { runCli } from '@p2p/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CliProcess, runCliProcess } from './cli-process.js'
import { tempDir } from './helpers.js'

let dir = ''
let cleanup = async (): Promise<void> => {}
const running: CliProcess[] = []
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('p2p-e2e-'))
})
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL')
  await Promise.all(running.map((p) => p.exited))
  await cleanup()
})

/**
 * Short periods so a network forms in seconds (Go's are 30 s and 2 min). Every process dials from
 * 127.0.0.1 whatever address it listens on, so duplicate IPs are allowed, as in Go's local testnets.
 */
const FAST = ['--addr-book-strict', 'false', '--allow-duplicate-ip', 'true', '--ensure-peers-period', '300ms', '--addr-book-save-period', '300ms', '--status-period', '200ms']

function spawnNode(args: string[]): CliProcess {
  const p = new CliProcess(args)
  running.push(p)
  return p
}

async function init(name: string, extra: string[] = []): Promise<{ home: string; id: string }> {
  const home = join(dir, name)
  // init in this process (the same code as the command): only the long-running commands need their own
  const out: string[] = []
  const code = await runCli(['node', 'p2p-node', 'init', '--home', home, '--chain-id', 'e2e-chain', '--moniker', name, ...extra], {
    stdout: (t) => void out.push(t),
    stderr: (t) => void out.push(t)
  })
  expect(code, out.join('')).toBe(0)
  const id = /node ID ([0-9a-f]{40})/.exec(out.join(''))?.[1]
  if (id === undefined) throw new Error(`no node ID in ${out.join('')}`)
  return { home, id }
}

async function listenPort(p: CliProcess): Promise<number> {
  const m = await p.waitForLog(/listening on tcp:\/\/[\d.]+:(\d+)/)
  return Number(m[1])
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function bookSize(home: string): Promise<number> {
  const doc = JSON.parse(await readFile(join(home, 'config', 'addrbook.json'), 'utf8')) as { addrs?: unknown[] | null }
  return doc.addrs?.length ?? 0
}

describe('p2p-node as separate processes', () => {
  it('a seed and three nodes find each other; SIGTERM saves the book and exits 0; SIGKILL then restart keeps what was saved', async () => {
    const seedHome = await init('seed')
    const seed = spawnNode(['seed', '--home', seedHome.home, '--laddr', 'tcp://127.0.0.1:0', ...FAST])
    const seedAddr = `${seedHome.id}@127.0.0.1:${await listenPort(seed)}`

    const homes = await Promise.all([1, 2, 3].map((i) => init(`node${i}`)))
    const nodes = homes.map((h, i) => spawnNode(['start', '--home', h.home, '--laddr', `tcp://127.0.0.${i + 2}:0`, '--seeds', seedAddr, ...FAST]))
    // each node ends up connected to the two others (the seed hangs up after answering)
    await Promise.all(nodes.map((n) => n.waitFor(() => ((n.status()?.peers ?? 0) >= 2 ? true : undefined), 'two peers')))

    // SIGTERM: graceful, book saved with the addresses it learnt, exit 0
    const [n1, n2, n3] = nodes as [CliProcess, CliProcess, CliProcess]
    n1.kill('SIGTERM')
    expect((await n1.exited).code).toBe(0)
    expect(n1.logs.some((l) => /^stopped; address book saved to .*addrbook\.json \((\d+) address(?:es)?\)/.test(l.msg))).toBe(true)
    expect(await bookSize(homes[0]!.home)).toBeGreaterThanOrEqual(2)

    // SIGKILL after a periodic save: the restarted node loads what was saved
    const before = await until(async () => {
      const n = await bookSize(homes[1]!.home).catch(() => 0)
      return n >= 2 ? n : undefined
    }, 'a saved book with two addresses')
    n2.kill('SIGKILL')
    expect((await n2.exited).signal).toBe('SIGKILL')
    const restarted = spawnNode(['start', '--home', homes[1]!.home, '--laddr', 'tcp://127.0.0.3:0', '--seeds', seedAddr, ...FAST])
    const loaded = await restarted.waitForLog(/address book .*addrbook\.json \((\d+) address(?:es)?\)/)
    expect(Number(loaded[1])).toBeGreaterThanOrEqual(before)
    await restarted.waitFor(() => ((restarted.status()?.peers ?? 0) >= 1 ? true : undefined), 'a peer after restart')

    for (const p of [restarted, n3, seed]) p.kill('SIGTERM')
    for (const p of [restarted, n3, seed]) expect((await p.exited).code).toBe(0)
  }, 60_000)

  it('an unreachable seed: the node keeps trying and says so, and still stops cleanly', async () => {
    const h = await init('lonely')
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as { port: number }).port
    await new Promise<void>((r) => closed.close(() => r()))
    const p = spawnNode(['start', '--home', h.home, '--laddr', 'tcp://127.0.0.5:0', '--seeds', `${'ab'.repeat(20)}@127.0.0.1:${port}`, ...FAST])
    const m = await p.waitForLog(/seed .* unreachable: (.*) \(will keep trying\)/)
    expect(m[0]).toContain(`127.0.0.1:${port}`)
    expect(p.child.exitCode).toBeNull()
    p.kill('SIGTERM')
    expect((await p.exited).code).toBe(0)
  }, 30_000)

  it('a port in use, a low open-file limit and a corrupt addrbook.json: one line naming it, exit 4 / 4 / 3', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    try {
      const h = await init('busy')
      const busy = await runCliProcess(['start', '--home', h.home, '--laddr', `tcp://127.0.0.1:${port}`])
      expect(busy.code).toBe(4)
      expect(busy.stderr).toContain(`p2p-node: error: p2p.laddr tcp://127.0.0.1:${port}: address already in use`)
      expect(busy.stderr).not.toMatch(/\n\s+at /)

      const fds = await runCliProcess(['start', '--home', h.home, '--laddr', 'tcp://127.0.0.6:0', '--max-inbound', '500'], { shellPrefix: 'ulimit -n 256;' })
      expect(fds.code).toBe(4)
      expect(fds.stderr).toContain('p2p-node: error: open-file limit 256 is too low for max_num_inbound_peers + max_num_outbound_peers (need at least 574)')

      const book = join(h.home, 'config', 'addrbook.json')
      await writeFile(book, '{"key": "abc", "addrs": [')
      const corrupt = await runCliProcess(['start', '--home', h.home, '--laddr', 'tcp://127.0.0.6:0'])
      expect(corrupt.code).toBe(3)
      expect(corrupt.stderr.trim().split('\n').filter((l) => l.startsWith('p2p-node: error:'))).toHaveLength(1)
      expect(corrupt.stderr).toContain(book)
    } finally {
      await new Promise<void>((r) => server.close(() => r()))
    }
  }, 30_000)
})
