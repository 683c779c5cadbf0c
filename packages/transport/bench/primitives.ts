/**
 * CPU per call of the handshake's public-key primitives as this package runs them: libsodium
 * through sodium-native (X25519 keygen and DH, ed25519 sign and verify), and OpenSSL's ed25519
 * verify through node:crypto with and without importing the key each time (the fallback for
 * libsodium's "no"). `--calls` calls per figure after a warm-up, `--runs` runs; prints each run.
 * Go's side of BENCHMARKS-transport.md §6 "Round 3" is a `go test -bench` of Go 1.19's
 * `curve25519.X25519(sk, curve25519.Basepoint)`, `curve25519.X25519(sk, pk)`, `ed25519.Sign` and
 * `ed25519.Verify` on a 32-byte message, `-benchtime 3000x` (not in this repository).
 * Run: npx tsx packages/transport/bench/primitives.ts [--calls=3000] [--runs=3]
 */
import { createPublicKey, verify } from 'node:crypto'
import { createRequire } from 'node:module'
import { numberArg } from './transport-common.js'

interface Sodium {
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void
  crypto_sign_keypair(pk: Uint8Array, sk: Uint8Array): void
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean
  randombytes_buf(b: Uint8Array): void
}

const CALLS = numberArg('calls', 3000)
const RUNS = numberArg('runs', 3)
let sodium: Sodium
try {
  sodium = createRequire(import.meta.url)('sodium-native') as Sodium
} catch {
  console.error('sodium-native is not installed here: nothing to measure')
  process.exit(2)
}

function perCall(f: () => void): number {
  for (let i = 0; i < Math.min(300, CALLS); i++) f()
  const t0 = process.cpuUsage()
  for (let i = 0; i < CALLS; i++) f()
  const t = process.cpuUsage(t0)
  return (t.user + t.system) / CALLS
}

const xs = new Uint8Array(32)
const xp = new Uint8Array(32)
const peer = new Uint8Array(32)
const shared = new Uint8Array(32)
sodium.randombytes_buf(xs)
sodium.crypto_scalarmult_base(peer, xs)
const pk = new Uint8Array(32)
const sk = new Uint8Array(64)
sodium.crypto_sign_keypair(pk, sk)
const msg = new Uint8Array(32).fill(7)
const sig = new Uint8Array(64)
sodium.crypto_sign_detached(sig, msg, sk)
const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pk])
const keyObject = createPublicKey({ key: spki, format: 'der', type: 'spki' })

const cases: Array<[string, () => void]> = [
  ['X25519 keygen (libsodium crypto_scalarmult_base)', () => sodium.crypto_scalarmult_base(xp, xs)],
  ['X25519 DH (libsodium crypto_scalarmult)', () => sodium.crypto_scalarmult(shared, xs, peer)],
  ['ed25519 sign (libsodium)', () => sodium.crypto_sign_detached(sig, msg, sk)],
  ['ed25519 verify (libsodium)', () => void sodium.crypto_sign_verify_detached(sig, msg, pk)],
  ['ed25519 verify (OpenSSL, key imported once)', () => void verify(null, msg, keyObject, sig)],
  ['ed25519 verify (OpenSSL, key imported per call)', () => void verify(null, msg, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig)]
]
console.log(`CPU µs per call, ${CALLS} calls per figure, ${RUNS} runs`)
for (const [name, f] of cases) {
  const runs = Array.from({ length: RUNS }, () => perCall(f).toFixed(1))
  console.log(`| ${name} | ${runs.join(' / ')} |`)
}
