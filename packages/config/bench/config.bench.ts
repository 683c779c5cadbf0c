import { readFileSync } from 'node:fs'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bench, describe } from 'vitest'
import { decodeNodeKeyJson, nodeKeyFromSeed, parseConfig, parseGoDurationNs } from '../src/index.js'

// Baselines run in the same process: @noble/curves for ed25519, and Go's figures in
// shared/reference/go-benchmarks.md (node:crypto sign ≈ 47,600/s, verify ≈ 16,700/s on this kind of machine).
const seed = new Uint8Array(32).fill(1)
const key = nodeKeyFromSeed(seed)
const message = new Uint8Array(32).fill(7)
const signature = key.sign(message)
const configText = readFileSync(new URL('../test/fixtures/config-custom.toml', import.meta.url), 'utf8')
const defaultText = readFileSync(new URL('../test/fixtures/config-default.toml', import.meta.url), 'utf8')
const fileContent = JSON.parse(
  readFileSync(new URL('../test/fixtures/node_key.json', import.meta.url), 'utf8')
).examples[1].file_content as string

describe('ed25519 sign (32-byte challenge)', () => {
  bench('Ed25519NodeKey.sign (node:crypto)', () => {
    key.sign(message)
  })
  bench('baseline: @noble/curves ed25519.sign', () => {
    ed25519.sign(message, seed)
  })
})

describe('ed25519 verify', () => {
  bench('Ed25519NodeKey.verify (node:crypto)', () => {
    key.verify(message, signature)
  })
  bench('baseline: @noble/curves ed25519.verify', () => {
    ed25519.verify(signature, message, key.publicKey)
  })
})

describe('config', () => {
  bench('parseConfig(default config.toml, 487 lines)', () => {
    parseConfig(defaultText)
  })
  bench('parseConfig(custom config.toml)', () => {
    parseConfig(configText)
  })
  bench('parseGoDurationNs("1h2m3.5s")', () => {
    parseGoDurationNs('1h2m3.5s')
  })
  bench('decodeNodeKeyJson(node_key.json)', () => {
    decodeNodeKeyJson(fileContent)
  })
})
