// What a user of @p2p/transport alone does: bring an ed25519 key, run the SecretConnection
// handshake over two TCP sockets, and send a message through the encrypted stream.
import assert from 'node:assert/strict'
import { generateKeyPairSync, sign } from 'node:crypto'
import { createServer, connect, type Socket } from 'node:net'
import { secretHandshake } from '@p2p/transport'
import { type NodeKey, nodeIdFromPublicKey } from '@p2p/types'

function newNodeKey(): NodeKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))
  return { id: nodeIdFromPublicKey(raw), publicKey: raw, sign: (m) => new Uint8Array(sign(null, m, privateKey)) }
}

const alice = newNodeKey()
const bob = newNodeKey()
const server = createServer()
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = (server.address() as { port: number }).port
const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve))
const dialled = connect(port, '127.0.0.1')

const [a, b] = await Promise.all([
  secretHandshake(dialled, alice, { timeoutMs: 5000 }),
  accepted.then((s) => secretHandshake(s, bob, { timeoutMs: 5000 }))
])
assert.equal(a.remoteId, bob.id, 'the dialler authenticated the listener')
assert.equal(b.remoteId, alice.id, 'the listener authenticated the dialler')

const received = new Promise<string>((resolve, reject) => {
  let text = ''
  b.start({
    onData: (chunk) => {
      text += new TextDecoder().decode(chunk)
      if (text.endsWith('\n')) resolve(text)
    },
    onEnd: (err) => reject(err ?? new Error('closed before the message arrived'))
  })
})
a.start({ onData: () => {}, onEnd: () => {} })
const message = `hello from ${alice.id} ${'x'.repeat(3000)}\n` // spans several 1024-byte frames
a.write(new TextEncoder().encode(message))
assert.equal(await received, message)
console.log(`SecretConnection ${alice.id.slice(0, 8)} -> ${bob.id.slice(0, 8)}: ${message.length} bytes over ${Math.ceil(message.length / 1024)} frames`)

a.close()
b.close()
await new Promise((resolve) => server.close(resolve))
