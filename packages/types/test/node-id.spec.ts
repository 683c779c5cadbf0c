import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { InvalidNodeIdError, isNodeId, nodeIdFromPublicKey, nodeIdProblem, parseNodeId } from '../src/index.js'

interface KeyExample { desc: string; pubkey: string; node_id: string }
const vectors = JSON.parse(readFileSync(new URL('./fixtures/node_key.json', import.meta.url), 'utf8')) as {
  examples: KeyExample[]
  generated_example: { pubkey: string; node_id: string }
}

describe('nodeIdFromPublicKey', () => {
  for (const ex of [...vectors.examples, { desc: 'generated', ...vectors.generated_example }]) {
    it(`derives Go's ID for ${ex.desc}`, () => {
      expect(nodeIdFromPublicKey(Buffer.from(ex.pubkey, 'hex'))).toBe(ex.node_id)
    })
  }

  it('rejects a key that is not 32 bytes', () => {
    expect(() => nodeIdFromPublicKey(new Uint8Array(31))).toThrow(InvalidNodeIdError)
  })
})

describe('parseNodeId', () => {
  it('accepts 40 hex characters, either case', () => {
    expect(parseNodeId('deadbeefdeadbeefdeadbeefdeadbeefdeadbeef')).toBe('deadbeefdeadbeefdeadbeefdeadbeefdeadbeef')
    expect(isNodeId('DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEF')).toBe(true)
  })

  it.each([
    ['', 'no ID'],
    ['deadbeef', 'invalid hex length - got 4, expected 20'],
    ['xxxxbeefdeadbeefdeadbeefdeadbeefdeadbeef', 'invalid byte'],
    ['abc', 'odd length']
  ])('rejects %j (%s)', (id, problem) => {
    expect(nodeIdProblem(id)).toContain(problem)
    expect(() => parseNodeId(id)).toThrow(InvalidNodeIdError)
    expect(isNodeId(id)).toBe(false)
  })
})
