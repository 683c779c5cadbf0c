import { type NodeID, type NodeInfo, ProtocolError } from '@p2p/types'
import { decodeString, ProtoWriter, readProtoFields } from '@p2p/types/wire'

/** Encodes `info` as `tendermint.p2p.DefaultNodeInfo`, byte for byte as Go does. */
export function encodeNodeInfo(info: NodeInfo): Uint8Array {
  const version = new ProtoWriter()
    .uint64(1, info.protocolVersion.p2p)
    .uint64(2, info.protocolVersion.block)
    .uint64(3, info.protocolVersion.app)
  const other = new ProtoWriter().string(1, info.other.txIndex).string(2, info.other.rpcAddress)
  return new ProtoWriter()
    .message(1, version)
    .string(2, info.id)
    .string(3, info.listenAddr)
    .string(4, info.network)
    .string(5, info.version)
    .bytes(6, info.channels)
    .string(7, info.moniker)
    .message(8, other)
    .finish()
}

/**
 * Decodes a `tendermint.p2p.DefaultNodeInfo`. Only the wire format is checked here (throws
 * {@link ProtocolError}); the content is checked by `validateNodeInfo` from `@p2p/types`.
 */
export function decodeNodeInfo(bytes: Uint8Array): NodeInfo {
  return decodeCanonical(bytes) ?? decodeNodeInfoFields(bytes)
}

/**
 * The general decoder: any field order, unknown fields, repeated fields, groups, non-minimal
 * varints, exactly as gogoproto's generated code of Go v0.34 accepts them.
 * @internal exported for the tests that compare it with the fast path.
 */
export function decodeNodeInfoFields(bytes: Uint8Array): NodeInfo {
  const version = { p2p: 0n, block: 0n, app: 0n }
  const other = { txIndex: '', rpcAddress: '' }
  let id = ''
  let listenAddr = ''
  let network = ''
  let softwareVersion = ''
  let channels: Uint8Array = new Uint8Array(0)
  let moniker = ''
  for (const f of readProtoFields(bytes)) {
    if (f.wire === 2) {
      switch (f.field) {
        case 1:
          // proto3 merges repeated embedded messages field by field
          for (const g of readProtoFields(f.bytes)) {
            if (g.wire !== 0) continue
            if (g.field === 1) version.p2p = g.value
            else if (g.field === 2) version.block = g.value
            else if (g.field === 3) version.app = g.value
          }
          break
        case 2: id = decodeString(f.bytes); break
        case 3: listenAddr = decodeString(f.bytes); break
        case 4: network = decodeString(f.bytes); break
        case 5: softwareVersion = decodeString(f.bytes); break
        case 6: channels = new Uint8Array(f.bytes); break
        case 7: moniker = decodeString(f.bytes); break
        case 8:
          for (const g of readProtoFields(f.bytes)) {
            if (g.wire !== 2) continue
            if (g.field === 1) other.txIndex = decodeString(g.bytes)
            else if (g.field === 2) other.rpcAddress = decodeString(g.bytes)
          }
          break
      }
    } else if (f.field >= 1 && f.field <= 8) {
      throw new ProtocolError(`proto: wrong wire type ${f.wire} for DefaultNodeInfo field ${f.field}`)
    }
  }
  return {
    protocolVersion: version,
    id: id as NodeID,
    listenAddr,
    network,
    version: softwareVersion,
    channels,
    moniker,
    other
  }
}

// The fast path: the shape every honest node sends (known fields only, one-byte tags, minimal
// lengths under 16 KiB, version numbers under 2^49), decoded in one pass without a field object,
// subarray or BigInt per field (the general decoder was ≈ 10 KB of garbage per connection). Any
// other input returns undefined and goes to the general decoder, which decides (and throws).
function decodeCanonical(b: Uint8Array): NodeInfo | undefined {
  const version = { p2p: 0n, block: 0n, app: 0n }
  const other = { txIndex: '', rpcAddress: '' }
  let id = ''
  let listenAddr = ''
  let network = ''
  let softwareVersion = ''
  let channels: Uint8Array | undefined
  let moniker = ''
  const n = b.length
  let pos = 0
  while (pos < n) {
    const key = b[pos] as number
    const field = key >> 3
    if ((key & 7) !== 2 || field < 1 || field > 8) return undefined
    const end = lengthEnd(b, pos + 1)
    if (end < 0) return undefined
    const start = end - lengthOf(b, pos + 1)
    switch (field) {
      case 1:
        if (!readVersion(b, start, end, version)) return undefined
        break
      case 2: id = text(b, start, end); break
      case 3: listenAddr = text(b, start, end); break
      case 4: network = text(b, start, end); break
      case 5: softwareVersion = text(b, start, end); break
      case 6: channels = new Uint8Array(b.subarray(start, end)); break
      case 7: moniker = text(b, start, end); break
      case 8:
        for (let q = start; q < end; ) {
          const k = b[q] as number
          const e = lengthEnd(b, q + 1)
          if ((k !== 0x0a && k !== 0x12) || e < 0 || e > end) return undefined
          const t = text(b, e - lengthOf(b, q + 1), e)
          if (k === 0x0a) other.txIndex = t
          else other.rpcAddress = t
          q = e
        }
        break
    }
    pos = end
  }
  return {
    protocolVersion: version,
    id: id as NodeID,
    listenAddr,
    network,
    version: softwareVersion,
    channels: channels ?? new Uint8Array(0),
    moniker,
    other
  }
}

/** The value of the minimal one- or two-byte length at `at`, or -1. */
function lengthOf(b: Uint8Array, at: number): number {
  const b0 = b[at]
  if (b0 === undefined) return -1
  if (b0 < 0x80) return b0
  const b1 = b[at + 1]
  if (b1 === undefined || b1 === 0 || b1 >= 0x80) return -1
  return (b0 & 0x7f) | (b1 << 7)
}

/** Where the length-delimited body whose length starts at `at` ends, or -1 (not canonical or truncated). */
function lengthEnd(b: Uint8Array, at: number): number {
  const len = lengthOf(b, at)
  if (len < 0) return -1
  const end = at + (len < 0x80 ? 1 : 2) + len
  return end > b.length ? -1 : end
}

/** `ProtocolVersion` fields 1-3 as varints under 2^49 into `v` (repeated messages merge). */
function readVersion(b: Uint8Array, pos: number, end: number, v: { p2p: bigint; block: bigint; app: bigint }): boolean {
  while (pos < end) {
    const key = b[pos++] as number
    if (key !== 0x08 && key !== 0x10 && key !== 0x18) return false
    let value = 0
    let scale = 1
    for (let i = 0; ; i++) {
      if (i === 7 || pos >= end) return false
      const x = b[pos++] as number
      value += (x & 0x7f) * scale
      if (x < 0x80) break
      scale *= 0x80
    }
    if (key === 0x08) v.p2p = BigInt(value)
    else if (key === 0x10) v.block = BigInt(value)
    else v.app = BigInt(value)
  }
  return true
}

/** ASCII as latin1 (no decoder call); anything else through the same UTF-8 decoder as the general path. */
function text(b: Uint8Array, start: number, end: number): string {
  let ascii = true
  for (let i = start; i < end; i++) {
    if ((b[i] as number) >= 0x80) {
      ascii = false
      break
    }
  }
  if (!ascii) return decodeString(b.subarray(start, end))
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1')
}
