import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { computeSharedSecret, generateEphemeralKeyPair } from '../src/secret/x25519.js'

describe('X25519 ephemeral keys', () => {
  it('fresh pairs agree on the shared secret and differ from each other', () => {
    const a = generateEphemeralKeyPair()
    const b = generateEphemeralKeyPair()
    expect(a.publicKey).toHaveLength(32)
    expect(Buffer.from(a.publicKey).equals(Buffer.from(b.publicKey))).toBe(false)
    const ab = computeSharedSecret(a.privateKey, b.publicKey)
    const ba = computeSharedSecret(b.privateKey, a.publicKey)
    expect(ab).toBeDefined()
    expect(Buffer.from(ab as Uint8Array).equals(Buffer.from(ba as Uint8Array))).toBe(true)
  })

  // generateKeyPairSync + a JWK export could deadlock Node 20 when a GC ran inside the export;
  // a tiny young generation makes GCs constant. The loop must finish (the child is killed and
  // the test fails if it hangs).
  it('survives key generation under constant garbage collection', async () => {
    const module = fileURLToPath(new URL('../src/secret/x25519.ts', import.meta.url))
    const script = `import { generateEphemeralKeyPair } from ${JSON.stringify(module)}
for (let i = 0; i < 20000; i++) generateEphemeralKeyPair()
console.log('ok')`
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000 }, (err, stdout) =>
        err === null ? resolve(stdout) : reject(err)
      )
    })
    expect(out.trim()).toBe('ok')
  }, 40_000)
})
