/**
 * Hand-written Packet codec vs protobufjs (reflection + runtime codegen, its fastest mode
 * without a build step). Run: `npx tsx packages/transport/bench/mconn-codec.ts`.
 */
import protobuf from 'protobufjs'
import { decodePacketInto, encodePacket, PacketView, writePacketMsg } from '../src/mconn/packet-codec.js'

const root = protobuf.Root.fromJSON({
  nested: {
    PacketPing: { fields: {} },
    PacketPong: { fields: {} },
    PacketMsg: { fields: { channelId: { type: 'int32', id: 1 }, eof: { type: 'bool', id: 2 }, data: { type: 'bytes', id: 3 } } },
    Packet: {
      oneofs: { sum: { oneof: ['packetPing', 'packetPong', 'packetMsg'] } },
      fields: {
        packetPing: { type: 'PacketPing', id: 1 },
        packetPong: { type: 'PacketPong', id: 2 },
        packetMsg: { type: 'PacketMsg', id: 3 }
      }
    }
  }
})
const Packet = root.lookupType('Packet')

function measure(name: string, fn: () => void, minMs = 700): number {
  for (let i = 0; i < 20_000; i++) fn() // warm-up (JIT)
  let n = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < minMs) {
    for (let i = 0; i < 10_000; i++) fn()
    n += 10_000
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  }
  const perSec = n / (elapsed / 1000)
  console.log(`${name.padEnd(52)} ${(perSec / 1e6).toFixed(2).padStart(7)} M ops/s  ${((elapsed * 1e6) / n).toFixed(0).padStart(5)} ns/op`)
  return perSec
}

let sink = 0
const rows: string[] = []
for (const size of [10, 256, 1024]) {
  const data = Uint8Array.from({ length: size }, (_, i) => i & 0xff)
  const buf = new Uint8Array(2048)
  console.log(`\nPacketMsg ch=0x20 eof=true data=${size} B`)
  const oursInPlace = measure('ours: encode into the batch buffer (send path)', () => {
    sink += writePacketMsg(buf, 0, 0x20, true, data)
  })
  const oursAlloc = measure('ours: encodePacket (new buffer)', () => {
    sink += encodePacket({ type: 'msg', channelId: 0x20, eof: true, data }).length
  })
  const theirsEnc = measure('protobufjs: encodeDelimited(fromObject-free object)', () => {
    sink += Packet.encodeDelimited({ packetMsg: { channelId: 0x20, eof: true, data } }).finish().length
  })
  // A plain Uint8Array, as both decoders get it from the receive path.
  const wire = Uint8Array.from(encodePacket({ type: 'msg', channelId: 0x20, eof: true, data }))
  const bodyStart = wire.length - 1 > 127 + 1 ? 2 : 1
  const view = new PacketView()
  const oursDec = measure('ours: decodePacketInto (receive path, no allocation)', () => {
    sink += decodePacketInto(view, wire, bodyStart, wire.length).dataEnd
  })
  const theirsDec = measure('protobufjs: decode(body)', () => {
    const m = Packet.decode(wire.subarray(bodyStart)) as unknown as { packetMsg: { data: Uint8Array } }
    sink += m.packetMsg.data.length
  })
  rows.push(
    `| ${size} B | ${(oursInPlace / 1e6).toFixed(2)} M/s | ${(oursAlloc / 1e6).toFixed(2)} M/s | ${(theirsEnc / 1e6).toFixed(2)} M/s | ${(oursInPlace / theirsEnc).toFixed(1)}× / ${(oursAlloc / theirsEnc).toFixed(1)}× | ${(oursDec / 1e6).toFixed(2)} M/s | ${(theirsDec / 1e6).toFixed(2)} M/s | ${(oursDec / theirsDec).toFixed(1)}× |`
  )
}
console.log('\n| payload | ours encode (in place) | ours encode (alloc) | protobufjs encode | ratio | ours decode | protobufjs decode | ratio |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) console.log(r)
if (sink === 42) console.log('')
