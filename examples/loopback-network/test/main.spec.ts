import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const main = fileURLToPath(new URL('../main.ts', import.meta.url))

// The README's first command runs this example; keep it working. It needs the packages built
// (`npm test` builds before it runs the tests).
describe('examples/loopback-network', () => {
  it('connects 3 nodes in a full mesh, delivers every message and stops cleanly', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', main, '--nodes', '3'], { timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), stdout })
      )
    })
    expect(stdout).toContain('full mesh of 3 nodes (3 connections)')
    expect(stdout).toMatch(/node0 +2 +2 +2097152/)
    expect(stdout).toContain('all messages delivered; network stopped cleanly')
    expect(code).toBe(0)
  }, 70_000)
})
