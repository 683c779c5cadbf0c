import { describe, expect, it } from 'vitest'
import { type AeadBackend, nobleAead, nodeCryptoAead } from '../src/secret/aead.js'
import { sodiumAead } from '../src/secret/aead-sodium.js'
import { nodeKeyFromSeed } from '../src/secret/ed25519.js'
import { FrameReader } from '../src/secret/frame-reader.js'
import { FrameWriter } from '../src/secret/frame-writer.js'
import { type HandshakeInternals, runSecretHandshake } from '../src/secret/handshake.js'
import { Nonce } from '../src/secret/nonce.js'
import { generateEphemeralKeyPair } from '../src/secret/x25519.js'
import {
  collect,
  duplexPair,
  type HandshakeCase,
  hex,
  loadHandshakeVectors,
  type MessageVector,
  record,
  type SideVector,
  unhex,
  until
} from './secret-helpers.js'

const { cases, constants } = loadHandshakeVectors()
// Every backend that loads here; sodium-native is optional.
const backends: AeadBackend[] = [nodeCryptoAead, nobleAead, ...(sodiumAead() === undefined ? [] : [sodiumAead() as AeadBackend])]

const nonceCounter = (n: string): bigint => unhex(n).subarray(4).reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n)
const joinHex = (parts: string[]): Uint8Array => unhex(parts.join(''))

describe('secret connection vectors: file shape', () => {
  it('has the four Go handshakes and the constants we use', () => {
    expect(cases.length).toBe(4)
    expect(constants.merlin_transcript_label).toBe('TENDERMINT_SECRET_CONNECTION_TRANSCRIPT_HASH')
    expect(constants.frame_sealed_size).toBe(1044)
    for (const c of cases) {
      expect(c.a.loc_is_least).toBe(!c.b.loc_is_least)
      expect(c.messages_a_to_b.length).toBeGreaterThan(0)
    }
  })
})

describe.each(cases.map((c) => [c.name, c] as const))('Go vector %s', (_name, c: HandshakeCase) => {
  it.each([
    ['a', c.a],
    ['b', c.b]
  ] as Array<[string, SideVector]>)('side %s: ephemeral public key derives from the unclamped private key', (_s, side) => {
    expect(hex(generateEphemeralKeyPair(unhex(side.eph_x25519_priv)).publicKey)).toBe(side.eph_x25519_pub)
    expect(hex(nodeKeyFromSeed(unhex(side.ed25519_seed)).publicKey)).toBe(side.ed25519_pubkey)
    expect(nodeKeyFromSeed(unhex(side.ed25519_seed)).id).toBe(side.node_id)
  })

  for (const [role, us, them, toThem, toUs] of [
    ['a', c.a, c.b, c.messages_a_to_b, c.messages_b_to_a],
    ['b', c.b, c.a, c.messages_b_to_a, c.messages_a_to_b]
  ] as Array<[string, SideVector, SideVector, MessageVector[], MessageVector[]]>) {
    for (const aead of backends) {
      it(`we play ${role} against Go's recorded ${role === 'a' ? 'b' : 'a'} (${aead.name})`, async () => {
        const [ours, goSide] = duplexPair()
        const wire = collect(goSide)
        // Go's side has already written everything it wrote during its handshake.
        goSide.write(unhex(them.handshake_writes[0] ?? ''))
        goSide.write(unhex(them.handshake_writes[1] ?? ''))
        let secrets: Parameters<NonNullable<HandshakeInternals['onSecrets']>>[0] | undefined
        const conn = await runSecretHandshake(
          ours,
          nodeKeyFromSeed(unhex(us.ed25519_seed)),
          { aead },
          { ephemeralPrivateKey: unhex(us.eph_x25519_priv), onSecrets: (s) => (secrets = { ...s, dhSecret: s.dhSecret.slice(), recvSecret: s.recvSecret.slice(), sendSecret: s.sendSecret.slice() }) }
        )
        // Keys and challenge as Go derived them.
        expect(secrets?.locIsLeast).toBe(us.loc_is_least)
        expect(hex(secrets?.dhSecret ?? new Uint8Array())).toBe(c.dh_secret)
        expect(hex(secrets?.recvSecret ?? new Uint8Array())).toBe(us.recv_secret)
        expect(hex(secrets?.sendSecret ?? new Uint8Array())).toBe(us.send_secret)
        expect(hex(secrets?.challenge ?? new Uint8Array())).toBe(c.challenge)
        expect(hex(conn.remotePublicKey)).toBe(them.ed25519_pubkey)
        expect(conn.remoteId).toBe(them.node_id)

        // Our handshake bytes: the BytesValue, then the AuthSig frame sealed with zero padding.
        await until(() => wire.bytes().length >= 35 + 1044, 'handshake bytes')
        const hs = wire.bytes()
        expect(hex(hs.subarray(0, 35))).toBe(us.handshake_writes[0])
        expect(hex(hs.subarray(35, 35 + 1044))).toBe(us.auth_frame_if_zero_padded)

        // Go's frames to us (padding not zeroed) decrypt to the plaintexts, byte by byte fed.
        const got = record(conn)
        const expected = toUs.map((m) => m.plaintext_hex).join('')
        const goFrames = joinHex(toUs.flatMap((m) => m.wire_frames))
        for (let i = 0; i < goFrames.length; i += 333) goSide.write(goFrames.subarray(i, i + 333))
        await until(() => hex(got.bytes()).length >= expected.length, 'decrypted messages')
        expect(hex(got.bytes())).toBe(expected)

        // Our frames to them equal Go's, once Go's padding is zeroed; an empty write writes nothing.
        for (const m of toThem) conn.write(unhex(m.plaintext_hex))
        const expectedWire = toThem.map((m) => m.wire_bytes_if_zero_padded).join('')
        await until(() => wire.bytes().length >= 35 + 1044 + expectedWire.length / 2, 'our frames')
        expect(hex(wire.bytes().subarray(35 + 1044))).toBe(expectedWire)
        conn.close()
        expect(await got.ended).toBeUndefined()
      })
    }
  }

  it.each([
    ['a_to_b', c.messages_a_to_b, c.a.send_secret],
    ['b_to_a', c.messages_b_to_a, c.b.send_secret]
  ] as const)('every %s frame opens under its nonce and our writer reseals it', (_dir, messages, key) => {
    for (const m of messages) {
      expect(m.wire_frames.length).toBe(Math.ceil(m.plaintext_len / 1024))
      expect(m.nonces.length).toBe(m.wire_frames.length)
      if (m.wire_frames.length === 0) {
        expect(m.wire_bytes_if_zero_padded).toBe('')
        continue
      }
      const start = nonceCounter(m.nonces[0] ?? '')
      for (const [i, n] of m.nonces.entries()) expect(nonceCounter(n)).toBe(start + BigInt(i))
      for (const aead of backends) {
        const reader = new FrameReader(aead.create(unhex(key)), new Nonce(start))
        let data = ''
        for (const f of m.wire_frames) {
          reader.push(unhex(f))
          data += hex(reader.readFrames() ?? new Uint8Array())
        }
        expect(data).toBe(m.plaintext_hex)
        expect(reader.nonce.counter).toBe(start + BigInt(m.wire_frames.length))
        const writer = new FrameWriter(aead.create(unhex(key)), new Nonce(start))
        expect(hex(writer.seal(unhex(m.plaintext_hex)))).toBe(m.wire_bytes_if_zero_padded)
      }
      if (m.go_padding_was_zero) expect(m.wire_bytes).toBe(m.wire_bytes_if_zero_padded)
    }
  })
})
