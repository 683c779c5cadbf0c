/**
 * ChaCha20-Poly1305 candidates for the SecretConnection hot path, sealing 1028-byte frames.
 * Packages that are not dependencies are measured only when present, e.g. after
 *   npm i --no-save @chainsafe/as-chacha20poly1305 libsodium-wrappers
 * Run: npx tsx packages/transport/bench/secret-aead-alternatives.ts
 */
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { cpus } from 'node:os'
import { Worker } from 'node:worker_threads'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { sodiumAead } from '../src/secret/aead-sodium.js'

type Seal = (nonce: Uint8Array, plain: Uint8Array, out: Uint8Array) => void

const key = randomBytes(32)
const nonce = new Uint8Array(12)
const view = new DataView(nonce.buffer)
const plain = randomBytes(1028)
const out = new Uint8Array(1044)

function measure(name: string, seal: Seal): void {
  const run = (n: number): number => {
    const t = performance.now()
    for (let i = 0; i < n; i++) {
      view.setUint32(4, i, true)
      seal(nonce, plain, out)
    }
    return performance.now() - t
  }
  run(3000)
  const samples = [0, 1, 2, 3, 4].map(() => run(20000) / 20000).sort((a, b) => a - b)
  const ms = samples[2] as number
  console.log(`- ${name}: ${(ms * 1000).toFixed(2)} µs/frame, ${(1028 / 1e6 / (ms / 1000)).toFixed(0)} MB/s`)
}

const require = createRequire(import.meta.url)
function optional(name: string): unknown {
  try {
    return require(name)
  } catch {
    return undefined
  }
}

async function workerSeal(workers: number): Promise<number> {
  // Off the main thread: each worker seals 64 KiB batches with node:crypto and posts them back.
  const code = `
    const { parentPort } = require('node:worker_threads')
    const c = require('node:crypto')
    const key = c.createSecretKey(Buffer.alloc(32, 4)); const nonce = Buffer.alloc(12); let ctr = 0
    parentPort.on('message', (buf) => {
      const data = new Uint8Array(buf); const frames = Math.ceil(data.length / 1024)
      const out = new Uint8Array(frames * 1044); const f = Buffer.alloc(1028)
      for (let i = 0; i < frames; i++) {
        f.writeUInt32LE(1024, 0); f.set(data.subarray(i * 1024, i * 1024 + 1024), 4); nonce.writeUInt32LE(ctr++, 4)
        const x = c.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
        out.set(x.update(f), i * 1044); x.final(); out.set(x.getAuthTag(), i * 1044 + 1028)
      }
      parentPort.postMessage(out.buffer, [out.buffer])
    })`
  const ws = Array.from({ length: workers }, () => new Worker(code, { eval: true }))
  const total = 64 * 1024 * 1024
  const batch = 64 * 1024
  let sent = 0
  let received = 0
  const t = performance.now()
  await new Promise<void>((resolve) => {
    const send = (w: Worker): void => {
      if (sent >= total) return
      sent += batch
      const b = new Uint8Array(batch).fill(1)
      w.postMessage(b.buffer, [b.buffer])
    }
    for (const w of ws) {
      w.on('message', () => {
        received += batch
        if (received >= total) resolve()
        else send(w)
      })
      for (let i = 0; i < 4; i++) send(w)
    }
  })
  const ms = performance.now() - t
  await Promise.all(ws.map((w) => w.terminate()))
  return total / 1e6 / (ms / 1000)
}

console.log(`# ChaCha20-Poly1305 on 1028-byte frames — ${new Date().toISOString()}`)
console.log(`node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}\n`)

measure('node:crypto, raw key, one cipher object per frame', (n, p, o) => {
  const c = createCipheriv('chacha20-poly1305', key, n, { authTagLength: 16 })
  o.set(c.update(p), 0)
  c.final()
  o.set(c.getAuthTag(), 1028)
})
const keyObject = createSecretKey(key)
measure('node:crypto, KeyObject, one cipher object per frame (our fallback)', (n, p, o) => {
  const c = createCipheriv('chacha20-poly1305', keyObject, n, { authTagLength: 16 })
  o.set(c.update(p), 0)
  c.final()
  o.set(c.getAuthTag(), 1028)
})
measure('@noble/ciphers (pure JS)', (n, p, o) => {
  chacha20poly1305(key, n).encrypt(p, o)
})
const sodium = sodiumAead()?.create(key)
if (sodium !== undefined) measure('sodium-native (libsodium, native addon; our default)', (n, p, o) => sodium.seal(n, p, o, 0))
else console.log('- sodium-native: not installed')

interface AsModule {
  newInstance(): unknown
  ChaCha20Poly1305: new (ctx: unknown) => { seal(k: Uint8Array, n: Uint8Array, p: Uint8Array, ad?: Uint8Array, dst?: Uint8Array): Uint8Array }
}
const as = optional('@chainsafe/as-chacha20poly1305') as AsModule | undefined
if (as !== undefined) {
  const impl = new as.ChaCha20Poly1305(as.newInstance())
  measure('@chainsafe/as-chacha20poly1305 (WebAssembly)', (n, p, o) => {
    impl.seal(key, n, p, undefined, o)
  })
} else console.log('- @chainsafe/as-chacha20poly1305: not installed')

interface LibsodiumModule {
  ready: Promise<void>
  crypto_aead_chacha20poly1305_ietf_encrypt(m: Uint8Array, ad: null, nsec: null, n: Uint8Array, k: Uint8Array): Uint8Array
}
const ls = optional('libsodium-wrappers') as LibsodiumModule | undefined
if (ls !== undefined) {
  await ls.ready
  measure('libsodium-wrappers (WebAssembly build of libsodium)', (n, p, o) => {
    o.set(ls.crypto_aead_chacha20poly1305_ietf_encrypt(p, null, null, n, key))
  })
} else console.log('- libsodium-wrappers: not installed')

for (const w of [1, 2]) {
  console.log(`- node:crypto in ${w} worker thread(s), 64 KiB batches, 4 in flight each: seal ${(await workerSeal(w)).toFixed(0)} MB/s`)
}
