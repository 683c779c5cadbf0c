import { runCli, runTestnet } from '@p2p/node'
import { describe, expect, it } from 'vitest'
import { CliProcess } from './cli-process.js'

describe('runTestnet', () => {
  it('a seed and six nodes that know only the seed reach their target, then stop', async () => {
    const ticks: number[] = []
    const r = await runTestnet({ nodes: 6, target: 3, timeoutMs: 20_000, periodMs: 300, tickMs: 200, onTick: (s) => ticks.push(s.atTarget) })
    expect(r.converged, r.reason).toBe(true)
    expect(r.nodes.filter((n) => n.role === 'node').every((n) => n.peers >= 3)).toBe(true)
    expect(r.nodes.filter((n) => n.role === 'seed')).toHaveLength(1)
    expect(ticks.at(-1)).toBe(6)
    expect(r.convergedMs).toBeGreaterThan(0)
  })

  it('gives the reason when the network does not converge in time', async () => {
    const r = await runTestnet({ nodes: 3, target: 2, timeoutMs: 1, periodMs: 60_000 })
    expect(r.converged).toBe(false)
    expect(r.reason).toMatch(/of 3 nodes did not reach 2 peers within/)
  })

  it('refuses a target a node cannot reach', async () => {
    await expect(runTestnet({ nodes: 3, target: 3 })).rejects.toThrow(/target must be between 1 and 2/)
  })
})

describe('p2p-node testnet (what npm start runs)', () => {
  it('with no arguments: shows progress, prints the summary table and exits 0', async () => {
    const p = new CliProcess(['testnet'])
    const { code } = await p.exited
    expect(code, p.stderr).toBe(0)
    expect(p.stdout).toContain('testnet: 1 seed and 8 nodes on 127.0.0.1')
    expect(p.stdout).toMatch(/^node +id +address +peers +out +in +known +at target$/m)
    expect(p.stdout).toMatch(/^seed0 /m)
    expect(p.stdout).toMatch(/^node7 /m)
    expect(p.stdout).toMatch(/converged: all 8 nodes have at least 4 peers after [\d.]+s/)
  }, 60_000)

  it('exits 1 with the reason when it does not converge, 2 for an impossible target', async () => {
    const out: string[] = []
    const err: string[] = []
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) }
    expect(await runCli(['node', 'p2p-node', 'testnet', '--nodes', '3', '--timeout', '1ms', '--period', '1m', '--quiet'], io)).toBe(1)
    expect(err.join('')).toMatch(/^p2p-node: testnet did not converge: \d of 3 nodes did not reach 2 peers within/)
    expect(await runCli(['node', 'p2p-node', 'testnet', '--nodes', '3', '--target', '5'], io)).toBe(2)
    expect(err.join('')).toContain('--target 5 is more than --nodes - 1 (2)')
  })
})
