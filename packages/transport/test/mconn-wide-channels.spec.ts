import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { MConnection } from '../src/mconn/mconnection.js'
import { encodePacket } from '../src/mconn/packet-codec.js'
import { memoryStreamPair } from './helpers/memory-stream.js'

/* Issue 10 hole 6: Go sends 1024-byte payloads on channels >= 0x80 in 1035-byte packets. */

interface PacketRow {
  desc: string
  delimited_hex: string
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/mconnection_packets.json', import.meta.url), 'utf8')) as { packets: PacketRow[] }
const goPacket1035 = Uint8Array.from(Buffer.from((vectors.packets.find((r) => r.desc.includes('1035 bytes')) as PacketRow).delimited_hex, 'hex'))

const open: MConnection[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()))
})

function receiver(channelIds: number[]) {
  const [local, raw] = memoryStreamPair()
  const conn = new MConnection(local, channelIds.map((id) => ({ id, priority: 1 })), { sendRate: 0, recvRate: 0 })
  open.push(conn)
  const got: Array<[number, number]> = []
  const closes: Array<Error | undefined> = []
  conn.start({ onReceive: (ch, m) => got.push([ch, m.length]), onClose: (e) => closes.push(e) })
  raw.start({ onData: () => {}, onEnd: () => {} })
  return { raw, got, closes }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20))

describe('MConnection: channels whose ID takes two varint bytes', () => {
  it("accepts Go's 1035-byte packet (1024-byte payload) on such a channel", async () => {
    expect(decodeChannel()).toBeGreaterThanOrEqual(0x80)
    const { raw, got, closes } = receiver([0x20, decodeChannel()])
    raw.write(goPacket1035)
    await settle()
    expect(closes).toEqual([])
    expect(got).toEqual([[decodeChannel(), 1024]])
  })

  it('still holds channels below 0x80 to 1034 bytes', async () => {
    const { raw, got, closes } = receiver([0x01, decodeChannel()])
    raw.write(encodePacket({ type: 'msg', channelId: 0x01, eof: true, data: new Uint8Array(1025) }))
    await settle()
    expect(got).toEqual([])
    expect(closes[0]).toMatchObject({ name: 'MessageTooLargeError' })
  })

  it('without such a channel the reader keeps the 1034 limit', async () => {
    const { raw, got, closes } = receiver([0x20])
    raw.write(goPacket1035)
    await settle()
    expect(got).toEqual([])
    expect(closes[0]).toMatchObject({ name: 'MessageTooLargeError', message: expect.stringMatching(/1035/) })
  })
})

/** The channel ID of the vector packet: `prefix(2) 1a len(2) 08 channel(2)`. */
function decodeChannel(): number {
  expect([goPacket1035[2], goPacket1035[5]]).toEqual([0x1a, 0x08])
  return ((goPacket1035[6] as number) & 0x7f) | ((goPacket1035[7] as number) << 7)
}
