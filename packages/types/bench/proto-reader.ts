/**
 * The shared protobuf readers of `@p2p/types/wire` on PEX's largest message (a `PexAddrs` of 250
 * addresses, as a seed answers): the {@link ProtoReader} cursor, against `readProtoFields` (one
 * object per field, a generator) in the same run. Both decode every address (ID, IP, port).
 * Run: npx tsx packages/types/bench/proto-reader.ts [ms]
 */
import { ProtoReader, ProtoWriter, readProtoFields, WIRE_LEN, WIRE_VARINT } from '../src/wire/index.js'

const MS = Number(process.argv[2] ?? 1500)

function pexAddrs(n: number): Uint8Array {
  const list = new ProtoWriter()
  for (let i = 0; i < n; i++) {
    const id = (i * 2654435761).toString(16).padStart(8, '0').repeat(5).slice(0, 40)
    const ip = i % 5 === 0 ? `2606:4700:${i % 256}::${i % 199}` : `${1 + (i % 223)}.${i % 256}.${(i * 7) % 256}.${1 + (i % 254)}`
    const addr = new ProtoWriter().string(1, id).string(2, ip).uint64(3, 26656n)
    list.message(1, addr)
  }
  // PexMessage { pex_addrs = 2 }
  return new ProtoWriter().message(2, list).finish()
}

const msg = pexAddrs(250)

interface Addr {
  id: string
  ip: string
  port: number
}

function withCursor(buf: Uint8Array): Addr[] {
  const out: Addr[] = []
  const r = new ProtoReader(buf)
  while (!r.done) {
    const start = r.pos
    if (r.tag('PexMessage') !== 2) {
      r.skip(start)
      continue
    }
    const listEnd = r.lengthDelimited()
    const outer = r.end
    r.end = listEnd
    while (!r.done) {
      const s = r.pos
      if (r.tag('PexAddrs') !== 1) {
        r.skip(s)
        continue
      }
      r.expectWire(WIRE_LEN, 'Addrs')
      const addrEnd = r.lengthDelimited()
      const listOuter = r.end
      r.end = addrEnd
      const a: Addr = { id: '', ip: '', port: 0 }
      while (!r.done) {
        const t = r.pos
        const f = r.tag('NetAddress')
        if (f === 1 || f === 2) {
          r.expectWire(WIRE_LEN, f === 1 ? 'ID' : 'IP')
          const e = r.lengthDelimited()
          if (f === 1) a.id = r.string(r.pos, e)
          else a.ip = r.string(r.pos, e)
          r.pos = e
        } else if (f === 3) {
          r.expectWire(WIRE_VARINT, 'Port')
          a.port = r.uint32()
        } else r.skip(t)
      }
      r.end = listOuter
      out.push(a)
    }
    r.end = outer
  }
  return out
}

const text = new TextDecoder()
function withFields(buf: Uint8Array): Addr[] {
  const out: Addr[] = []
  for (const f of readProtoFields(buf, 'PexMessage')) {
    if (f.field !== 2 || f.wire !== WIRE_LEN) continue
    for (const g of readProtoFields(f.bytes, 'PexAddrs')) {
      if (g.field !== 1 || g.wire !== WIRE_LEN) continue
      const a: Addr = { id: '', ip: '', port: 0 }
      for (const h of readProtoFields(g.bytes, 'NetAddress')) {
        if (h.field === 1 && h.wire === WIRE_LEN) a.id = text.decode(h.bytes)
        else if (h.field === 2 && h.wire === WIRE_LEN) a.ip = text.decode(h.bytes)
        else if (h.field === 3 && h.wire === WIRE_VARINT) a.port = Number(h.value & 0xffffffffn)
      }
      out.push(a)
    }
  }
  return out
}

function opsPerSec(fn: () => unknown): number {
  for (let i = 0; i < 500; i++) fn()
  let ops = 0
  const t0 = performance.now()
  let t = t0
  while (t - t0 < MS) {
    for (let i = 0; i < 50; i++) fn()
    ops += 50
    t = performance.now()
  }
  return (ops / (t - t0)) * 1000
}

const a = withCursor(msg)
const b = withFields(msg)
if (JSON.stringify(a) !== JSON.stringify(b) || a.length !== 250) throw new Error('the two readers disagree')
console.log(`PexAddrs of 250 addresses, ${msg.length} bytes; node ${process.version}`)
for (let round = 0; round < 2; round++) {
  const cursor = opsPerSec(() => withCursor(msg))
  const fields = opsPerSec(() => withFields(msg))
  console.log(`ProtoReader cursor: ${cursor.toFixed(0)} msgs/s (${(1e6 / cursor).toFixed(1)} µs); readProtoFields: ${fields.toFixed(0)} msgs/s (${(1e6 / fields).toFixed(1)} µs); cursor ${(cursor / fields).toFixed(1)}x`)
}
