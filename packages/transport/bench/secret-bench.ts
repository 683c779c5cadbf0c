/**
 * SecretConnection benchmarks: handshake cost next to the sum of its primitives, and bulk
 * throughput next to the raw cost of sealing 1028-byte frames, for every AEAD backend here.
 * Run: npx tsx packages/transport/bench/secret-bench.ts [--quick]
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { cpus } from 'node:os'
import { Duplex } from 'node:stream'
import type { NodeKey } from '@p2p/types'
import { type AeadBackend, nobleAead } from '../src/secret/aead.js'
import { availableAeads, defaultAead } from '../src/secret/aead-select.js'
import { ed25519Verify, nodeKeyFromSeed } from '../src/secret/ed25519.js'
import { FrameReader } from '../src/secret/frame-reader.js'
import { FrameWriter } from '../src/secret/frame-writer.js'
import { secretHandshake } from '../src/secret/handshake.js'
import { computeChallenge, deriveSecrets, sortKeys } from '../src/secret/kdf.js'
import type { SecretConnection } from '../src/secret/secret-connection.js'
import { computeSharedSecret, generateEphemeralKeyPair } from '../src/secret/x25519.js'

const quick = process.argv.includes('--quick')
const scale = quick ? 0.2 : 1
const now = (): number => Number(process.hrtime.bigint()) / 1e6 // ms

/** Median of `rounds` timings of `fn` run `iters` times; returns ms per iteration. */
function timeSync(iters: number, fn: () => void, rounds = 5): number {
  for (let i = 0; i < Math.max(10, iters / 10); i++) fn()
  const samples: number[] = []
  for (let r = 0; r < rounds; r++) {
    const t = now()
    for (let i = 0; i < iters; i++) fn()
    samples.push((now() - t) / iters)
  }
  return median(samples)
}

async function timeAsync(iters: number, fn: () => Promise<void>, rounds = 5): Promise<number> {
  for (let i = 0; i < Math.max(3, iters / 10); i++) await fn()
  const samples: number[] = []
  for (let r = 0; r < rounds; r++) {
    const t = now()
    for (let i = 0; i < iters; i++) await fn()
    samples.push((now() - t) / iters)
  }
  return median(samples)
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000)

// ---------------------------------------------------------------- in-memory pipe

class End extends Duplex {
  peer!: End
  private blocked: (() => void) | undefined
  constructor() {
    super({ allowHalfOpen: false, highWaterMark: 64 * 1024 })
  }
  override _read(): void {
    const b = this.peer.blocked
    this.peer.blocked = undefined
    b?.()
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.peer.push(chunk)) cb()
    else this.blocked = cb
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.peer.push(null)
    cb()
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.push(null)
    cb(err)
  }
}

function pipePair(): [Duplex, Duplex] {
  const a = new End()
  const b = new End()
  a.peer = b
  b.peer = a
  return [a, b]
}

let server: Server | undefined
let nextAccept: ((s: Socket) => void) | undefined

async function tcpPair(): Promise<[Socket, Socket]> {
  if (server === undefined) {
    server = createServer({ noDelay: true }, (s) => nextAccept?.(s))
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
  }
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new Error('no address')
  const accepted = new Promise<Socket>((r) => (nextAccept = r))
  const c = connect({ port: addr.port, host: '127.0.0.1', noDelay: true })
  await new Promise<void>((r) => c.once('connect', r))
  const s = await accepted
  return [c, s]
}

// ---------------------------------------------------------------- handshake

const keyA: NodeKey = nodeKeyFromSeed(new Uint8Array(32).fill(1))
const keyB: NodeKey = nodeKeyFromSeed(new Uint8Array(32).fill(2))

function primitiveCosts(): Record<string, number> {
  const n = Math.round(2000 * scale)
  const eph = generateEphemeralKeyPair()
  const other = generateEphemeralKeyPair()
  const challenge = new Uint8Array(32).fill(9)
  const sig = keyA.sign(challenge)
  const dh = computeSharedSecret(eph.privateKey, other.publicKey) ?? new Uint8Array(32)
  const { lo, hi } = sortKeys(eph.publicKey, other.publicKey)
  return {
    'X25519 keygen': timeSync(n, () => generateEphemeralKeyPair()),
    'X25519 DH': timeSync(n, () => computeSharedSecret(eph.privateKey, other.publicKey)),
    'ed25519 sign': timeSync(n, () => keyA.sign(challenge)),
    'ed25519 verify': timeSync(n, () => ed25519Verify(keyA.publicKey, challenge, sig)),
    'HKDF-SHA256 (96 B)': timeSync(n, () => deriveSecrets(dh, true)),
    'Merlin challenge': timeSync(n, () => computeChallenge(lo, hi, dh))
  }
}

async function handshakePipe(): Promise<void> {
  const [a, b] = pipePair()
  const [ca, cb] = await Promise.all([secretHandshake(a, keyA), secretHandshake(b, keyB)])
  ca.close()
  cb.close()
}

async function handshakeTcp(): Promise<void> {
  const [a, b] = await tcpPair()
  const [ca, cb] = await Promise.all([secretHandshake(a, keyA), secretHandshake(b, keyB)])
  ca.close()
  cb.close()
}

async function tcpConnectOnly(): Promise<void> {
  const [a, b] = await tcpPair()
  a.destroy()
  b.destroy()
}

// ---------------------------------------------------------------- throughput

async function connected(kind: 'pipe' | 'tcp', aead: AeadBackend): Promise<[SecretConnection, SecretConnection]> {
  const [a, b] = kind === 'pipe' ? pipePair() : await tcpPair()
  return Promise.all([secretHandshake(a, keyA, { aead }), secretHandshake(b, keyB, { aead })])
}

/** Sends `total` bytes in writes of `sizes` (cycled) and returns ms until all arrived. */
async function transfer(sender: SecretConnection, receiver: SecretConnection, sizes: number[], total: number): Promise<number> {
  const max = Math.max(...sizes)
  const payload = new Uint8Array(max).fill(0x5a)
  let received = 0
  let done!: () => void
  const finished = new Promise<void>((r) => (done = r))
  receiver.start({
    onData: (c) => {
      received += c.length
      if (received >= total) done()
    },
    onEnd: () => {}
  })
  const t = now()
  let sent = 0
  let i = 0
  while (sent < total) {
    const n = Math.min(sizes[i++ % sizes.length] as number, total - sent)
    sent += n
    if (!sender.write(payload.subarray(0, n))) await sender.drained()
  }
  await finished
  return now() - t
}

async function throughput(kind: 'pipe' | 'tcp', aead: AeadBackend, sizes: number[], total: number): Promise<number> {
  const samples: number[] = []
  for (let r = 0; r < 3; r++) {
    const [a, b] = await connected(kind, aead)
    samples.push(mbps(total, await transfer(a, b, sizes, total)))
    a.close()
    b.close()
  }
  return median(samples)
}

/**
 * Sealing and opening alone, through the same FrameWriter / FrameReader the connection uses
 * (64 KiB of data per call = 64 frames). Median of 5 rounds after a warm-up.
 */
function rawSeal(aead: AeadBackend): { seal: number; open: number } {
  const key = new Uint8Array(32).fill(4)
  const data = new Uint8Array(64 * 1024).fill(1)
  const n = Math.round(200 * scale)
  const writer = new FrameWriter(aead.create(key))
  const reader = new FrameReader(aead.create(key))
  const seals: number[] = []
  const opens: number[] = []
  for (let round = 0; round < 6; round++) {
    // Interleaved, one 64 KiB batch at a time, so the data is as cache-hot as in a connection.
    let sealMs = 0
    let openMs = 0
    for (let i = 0; i < n; i++) {
      const t0 = now()
      const sealed = writer.seal(data)
      const t1 = now()
      reader.push(sealed)
      reader.readFrames()
      openMs += now() - t1
      sealMs += t1 - t0
    }
    if (round === 0) continue // warm-up
    seals.push(mbps(n * data.length, sealMs))
    opens.push(mbps(n * data.length, openMs))
  }
  return { seal: median(seals), open: median(opens) }
}

// Go's BenchmarkWriteSecretConnection size mix: 1024/10 … 1024×7/2.
const GO_MIX = [102, 341, 512, 1024, 1536, 2048, 3584]

async function main(): Promise<void> {
  console.log(`# SecretConnection benchmarks — ${new Date().toISOString()}`)
  console.log(`node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}${quick ? ' (quick)' : ''}\n`)

  const prim = primitiveCosts()
  const perSide = Object.values(prim).reduce((a, b) => a + b, 0)
  console.log('## Handshake')
  for (const [k, v] of Object.entries(prim)) console.log(`- ${k}: ${us(v)}`)
  console.log(`- primitives, one side: ${us(perSide)}; both sides: ${us(2 * perSide)}`)
  const hsPipe = await timeAsync(Math.round(300 * scale), handshakePipe)
  const hsTcp = await timeAsync(Math.round(200 * scale), handshakeTcp)
  const tcpOnly = await timeAsync(Math.round(200 * scale), tcpConnectOnly)
  console.log(`- handshake pair, in-memory pipe: ${us(hsPipe)} (${(1000 / hsPipe).toFixed(0)} pairs/s), ${(hsPipe / (2 * perSide)).toFixed(2)}× primitives`)
  console.log(`- handshake pair, loopback TCP incl. connect: ${us(hsTcp)} (${(1000 / hsTcp).toFixed(0)} pairs/s); TCP connect alone ${us(tcpOnly)}; Go 367 µs → ${(367 / 1000 / hsTcp).toFixed(2)}× Go speed`)

  console.log('\n## Raw frame sealing / opening (64 KiB of data per call = 64 frames of 1028 B)')
  const backends = [...availableAeads(), nobleAead].filter((b, i, all) => all.findIndex((x) => x.name === b.name) === i)
  const raw: Record<string, { seal: number; open: number }> = {}
  for (const b of backends) {
    raw[b.name] = rawSeal(b)
    const r = raw[b.name] ?? { seal: 1, open: 1 }
    console.log(`- ${b.name}: seal ${r.seal.toFixed(0)} MB/s, open ${r.open.toFixed(0)} MB/s, seal+open of the same bytes ${(1 / (1 / r.seal + 1 / r.open)).toFixed(0)} MB/s`)
  }

  console.log('\n## SecretConnection throughput (MB/s of data; sender and receiver in this one process)')
  const total = Math.round(64 * 1024 * 1024 * scale)
  const cases: Array<[string, number[]]> = [
    ['1 KiB writes', [1024]],
    ['64 KiB writes', [64 * 1024]],
    ['1 MiB writes', [1024 * 1024]],
    ['Go size mix', GO_MIX]
  ]
  for (const b of backends.filter((x) => x !== nobleAead || !quick)) {
    for (const kind of ['pipe', 'tcp'] as const) {
      const row: string[] = []
      for (const [label, sizes] of cases) {
        const v = await throughput(kind, b, sizes, b === nobleAead ? total / 4 : total)
        row.push(`${label} ${v.toFixed(0)}`)
      }
      const r = raw[b.name] ?? { seal: 1, open: 1 }
      // One process seals and opens every byte: its ceiling is the combined rate.
      const both = 1 / (1 / r.seal + 1 / r.open)
      console.log(`- ${b.name}, ${kind}: ${row.join(', ')} (raw seal ${r.seal.toFixed(0)}, seal+open ${both.toFixed(0)})`)
    }
  }
  console.log(`\n(reference: Go loopback 241 MB/s at 1 KiB, 317 MB/s at 64 KiB; default AEAD here: ${defaultAead().name})`)
  server?.close()
}

await main()
