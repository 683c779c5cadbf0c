import { setImmediate as tick } from 'node:timers/promises'
import { ConnectionClosedError, MessageTooLargeError, ProtocolError } from '@p2p/types'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeUvarint } from '@p2p/types/wire'
import { MConnection } from '../src/mconn/mconnection.js'
import { encodePacket, PING_PACKET } from '../src/mconn/packet-codec.js'
import { collect, type MemoryByteStream, memoryStreamPair } from './helpers/memory-stream.js'
import { closedAfterEach } from './helpers/mconn.js'

/*
 * A real MConnection on one end, a raw byte stream playing a hostile peer on the other
 * (test-inventory.md §3.2 and connection_test.go's ReadError cases).
 */

interface Harness {
  conn: MConnection
  raw: MemoryByteStream
  local: MemoryByteStream
  received: Array<[number, number]>
  closes: Array<Error | undefined>
}

const open = closedAfterEach()

function harness(recvMessageCapacity?: number): Harness {
  const [local, raw] = memoryStreamPair()
  const conn = new MConnection(
    local,
    [{ id: 0x01, priority: 1, sendQueueCapacity: 1, ...(recvMessageCapacity === undefined ? {} : { recvMessageCapacity }) }],
    { sendRate: 0, recvRate: 0, flushThrottleMs: 0 }
  )
  open.push(conn)
  const h: Harness = { conn, raw, local, received: [], closes: [] }
  conn.start({
    onReceive: (ch, msg) => h.received.push([ch, msg.length]),
    onClose: (err) => h.closes.push(err)
  })
  return h
}

async function settle(h: Harness): Promise<void> {
  for (let i = 0; i < 20 && h.closes.length === 0; i++) await tick()
  // A second report would come within a few more turns.
  for (let i = 0; i < 5; i++) await tick()
}

const msg = (channelId: number, data: Uint8Array | number, eof = true): Uint8Array =>
  encodePacket({ type: 'msg', channelId, eof, data: typeof data === 'number' ? new Uint8Array(data) : data })

const delimited = (body: number[]): Uint8Array => Uint8Array.from([...encodeUvarint(body.length), ...body])

describe('MConnection: hostile input stops the connection with one typed error', () => {
  it.each([
    ['garbage 01 02 03 04 05 (TestMConnectionReadErrorBadEncoding)', [Uint8Array.of(1, 2, 3, 4, 5)], 'ProtocolError'],
    ['valid protobuf that is not a Packet (TestMConnectionReadErrorUnknownMsgType)', [delimited([0x12, 0x01, 0x78])], 'ProtocolError'],
    ['a Packet with no oneof set', [delimited([])], 'ProtocolError'],
    ['a Packet with only unknown fields', [delimited([0x20, 0x01])], 'ProtocolError'],
    ['a packet on a channel we do not have (TestMConnectionReadErrorUnknownChannel)', [msg(0x02, 3)], 'ProtocolError'],
    ['channel 1025, which must not wrap to 0x01 (TestMConnectionChannelOverflow)', [msg(1025, 2)], 'ProtocolError'],
    ['a negative channel ID', [delimited([0x1a, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])], 'ProtocolError'],
    ['a 1124-byte payload (TestMConnectionReadErrorLongMessage)', [msg(0x01, 1124)], 'MessageTooLargeError'],
    ['a length prefix of 2^40', [Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x20)], 'MessageTooLargeError'],
    ['a length prefix that never ends', [new Uint8Array(11).fill(0x80)], 'ProtocolError'],
    ['a good message, then garbage', [msg(0x01, 10), Uint8Array.of(0x03, 0xff, 0xff, 0xff)], 'ProtocolError']
  ])('%s', async (_name, writes, errorName) => {
    const h = harness()
    const raw = collect(h.raw)
    for (const w of writes) h.raw.write(w)
    await settle(h)
    expect(h.closes).toHaveLength(1)
    expect(h.closes[0]?.name).toBe(errorName)
    expect(h.conn.running).toBe(false)
    expect(h.local.closed).toBe(true)
    expect(h.received.every(([ch]) => ch === 0x01)).toBe(true)
    expect(h.conn.trySend(0x01, new Uint8Array(1))).toBe(false)
    await tick()
    expect(raw.ended).toBe(true)
  })

  it('the unknown-channel error names the channel as Go does', async () => {
    const h = harness()
    h.raw.write(msg(0x02, 3))
    await settle(h)
    expect(h.closes[0]).toEqual(new ProtocolError('unknown channel 2'))
  })

  it('a full 1024-byte payload is delivered (the boundary of the long-message test)', async () => {
    const h = harness()
    h.raw.write(msg(0x01, 1024))
    await settle(h)
    expect(h.received).toEqual([[0x01, 1024]])
    expect(h.closes).toEqual([])
  })

  it('a message growing past the receive capacity fails before it is buffered beyond it', async () => {
    const h = harness(2000)
    h.raw.write(msg(0x01, 1000, false))
    h.raw.write(msg(0x01, 999, false))
    await settle(h)
    expect(h.closes).toEqual([])
    h.raw.write(msg(0x01, 2, true))
    await settle(h)
    expect(h.closes).toHaveLength(1)
    const err = h.closes[0] as MessageTooLargeError
    expect(err).toBeInstanceOf(MessageTooLargeError)
    expect([err.size, err.limit]).toEqual([2001, 2000])
    expect(err.message).toBe('received message exceeds available capacity: 2000 < 2001')
    expect(h.received).toEqual([])
  })

  it('a message of exactly the receive capacity is delivered', async () => {
    const h = harness(2000)
    h.raw.write(msg(0x01, 1000, false))
    h.raw.write(msg(0x01, 1000, true))
    await settle(h)
    expect(h.received).toEqual([[0x01, 2000]])
  })

  it('the peer closing in the middle of a packet: ConnectionClosedError, once', async () => {
    const h = harness()
    h.raw.write(msg(0x01, 500).subarray(0, 100))
    h.raw.close()
    await settle(h)
    expect(h.closes).toHaveLength(1)
    expect(h.closes[0]).toBeInstanceOf(ConnectionClosedError)
    expect(h.received).toEqual([])
  })

  it('a protocol error followed by the peer hanging up is reported once', async () => {
    const h = harness()
    h.raw.write(Uint8Array.of(1, 2, 3, 4, 5))
    h.raw.close()
    await settle(h)
    expect(h.closes).toHaveLength(1)
    expect(h.closes[0]).toBeInstanceOf(ProtocolError)
  })

  it('a receiver that throws stops the connection like a recovered Go panic', async () => {
    const [local, raw] = memoryStreamPair()
    const conn = new MConnection(local, [{ id: 1, priority: 1 }], { sendRate: 0, recvRate: 0 })
    open.push(conn)
    const closes: Array<Error | undefined> = []
    conn.start({
      onReceive: () => {
        throw new TypeError('reactor bug')
      },
      onClose: (err) => closes.push(err)
    })
    raw.write(msg(1, 3))
    raw.write(msg(1, 3))
    for (let i = 0; i < 10; i++) await tick()
    expect(closes).toHaveLength(1)
    expect(closes[0]).toBeInstanceOf(ProtocolError)
    expect(closes[0]?.message).toBe('recovered from panic: TypeError: reactor bug')
  })

  it('a ping flood is answered without crashing, pongs coalesced, and the connection stays up', async () => {
    const h = harness()
    const raw = collect(h.raw)
    const flood = new Uint8Array(PING_PACKET.length * 1000)
    for (let i = 0; i < 1000; i++) flood.set(PING_PACKET, i * PING_PACKET.length)
    h.raw.write(flood)
    await settle(h)
    expect(h.closes).toEqual([])
    expect(h.conn.running).toBe(true)
    const pongs = raw.bytes().length / 3
    expect(pongs).toBeGreaterThanOrEqual(1)
    expect(pongs).toBeLessThan(1000)
  })

  it('a stream whose write throws (mid-batch) stops the connection with a typed error, no crash', async () => {
    const [local, raw] = memoryStreamPair()
    raw.start({ onData() {}, onEnd() {} })
    local.write = () => {
      throw new Error('EPIPE')
    }
    const conn = new MConnection(local, [{ id: 1, priority: 1, sendQueueCapacity: 100 }], { sendRate: 0, recvRate: 0 })
    open.push(conn)
    const closes: Array<Error | undefined> = []
    conn.start({ onReceive() {}, onClose: (err) => closes.push(err) })
    // 100 KB queued: the 64 KiB buffer fills and flushes in the middle of a batch.
    for (let i = 0; i < 100; i++) expect(conn.trySend(1, new Uint8Array(1000))).toBe(true)
    for (let i = 0; i < 10; i++) await tick()
    expect(closes).toHaveLength(1)
    expect(closes[0]).toBeInstanceOf(ConnectionClosedError)
    expect(((closes[0] as Error).cause as Error).message).toBe('EPIPE')
    expect(conn.running).toBe(false)
  })

  it('fuzz: any mix of valid packets and garbage, any chunking: typed error at most once, never a crash', async () => {
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.record({ ch: fc.constantFrom(0, 1, 2, 0x80, 1025), eof: fc.boolean(), n: fc.nat({ max: 1100 }) }).map(({ ch, eof, n }) => msg(ch, n, eof)),
      fc.constant(PING_PACKET),
      fc.constant(Uint8Array.of(0x02, 0x12, 0x00))
    )
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 8 }), fc.integer({ min: 1, max: 50 }), async (pieces, cut) => {
        const h = harness(3000)
        h.raw.start({ onData() {}, onEnd() {} })
        const wire = Buffer.concat(pieces)
        for (let off = 0; off < wire.length; off += cut) h.raw.write(Uint8Array.from(wire.subarray(off, off + cut)))
        for (let i = 0; i < 6; i++) await tick()
        expect(h.closes.length).toBeLessThanOrEqual(1)
        const err = h.closes[0]
        if (err !== undefined) expect(['ProtocolError', 'MessageTooLargeError']).toContain(err.name)
        await h.conn.close()
        expect(h.closes).toHaveLength(1)
      }),
      { numRuns: 150 }
    )
  })
})
