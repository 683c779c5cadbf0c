import { MessageTooLargeError, type NetAddress, netAddressFromProto, ProtocolError } from '@p2p/types'
import { asciiLength, ProtoReader, utf8Bytes, varintLength, WIRE_LEN, WIRE_VARINT, writeVarint } from './wire.js'

/*
 * `tendermint.p2p.Message` (proto/tendermint/p2p/pex.proto), the only thing sent on channel 0x00:
 *   Message    { oneof sum { PexRequest pex_request = 1; PexAddrs pex_addrs = 2; } }
 *   PexRequest {}
 *   PexAddrs   { repeated NetAddress addrs = 1 [nullable=false]; }
 *   NetAddress { string id = 1; string ip = 2; uint32 port = 3; }
 * Encoding matches gogo byte for byte (fields in number order, defaults left out, every address
 * written even when empty); decoding accepts what gogo accepts.
 */

/** The PEX channel. */
export const PEX_CHANNEL = 0x00
/** Go `maxGetSelection`: the most addresses one `PexAddrs` may carry (beyond Go: enforced). */
export const MAX_ADDRS_PER_MESSAGE = 250
/** Go `maxAddressSize`: the size assumed per address when sizing the channel. */
export const MAX_ADDRESS_SIZE = 256
/** Go `maxMsgSize` = 256 × 250: the PEX channel's receive capacity. */
export const MAX_PEX_MESSAGE_SIZE = MAX_ADDRESS_SIZE * MAX_ADDRS_PER_MESSAGE

/** A `NetAddress` as it is on the wire: nothing checked yet. */
export interface ProtoNetAddress {
  readonly id: string
  readonly ip: string
  readonly port: number
}

/** A decoded PEX message: a request for addresses, or an answer with the addresses as sent (not yet validated). */
export type PexMessage = { readonly type: 'request' } | { readonly type: 'addrs'; readonly addrs: readonly ProtoNetAddress[] }

/** Bounds of the PEX message decoder; a peer exceeding one is misbehaving. */
export interface DecodeOptions {
  /**
   * More addresses than this in one `PexAddrs` throws {@link MessageTooLargeError} as soon as
   * the one too many is seen, before it is decoded. Default {@link MAX_ADDRS_PER_MESSAGE}.
   */
  maxAddrs?: number
  /** A longer message throws {@link MessageTooLargeError} at once. Default {@link MAX_PEX_MESSAGE_SIZE}. */
  maxBytes?: number
}

const REQUEST_BYTES = Uint8Array.of(0x0a, 0x00)

/** `Message{pex_request: {}}`: always `0a 00`. A fresh copy, so callers may keep it. */
export function encodePexRequest(): Uint8Array {
  return REQUEST_BYTES.slice()
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffffffff) throw new ProtocolError(`port ${port} is not a uint32`)
}

/** Per-address lengths of the last encode, reused: [idLen, ipLen, bodyLen] × addresses. */
let lengths = new Int32Array(3 * 256)

/** Bytes `s` takes as UTF-8, or `-1 - bytes` when it is not ASCII (then it is written by TextEncoder). */
function stringLength(s: string): number {
  const ascii = asciiLength(s)
  return ascii >= 0 ? ascii : -1 - utf8Bytes(s).length
}

function writeString(out: Uint8Array, pos: number, tag: number, s: string, len: number): number {
  if (len === 0) return pos
  const ascii = len > 0
  const n = ascii ? len : -1 - len
  out[pos++] = tag
  pos = writeVarint(out, pos, n)
  // ASCII (IDs, IPs: the rule): a byte per character. (Buffer#write costs more for strings this short.)
  if (ascii) {
    for (let i = 0; i < n; i++) out[pos++] = s.charCodeAt(i)
    return pos
  }
  out.set(utf8Bytes(s), pos)
  return pos + n
}

const bytesOf = (len: number): number => (len >= 0 ? len : -1 - len)

/**
 * `Message{pex_addrs: {addrs}}`, byte-exact with Go's `Wrap` + `proto.Marshal`. One allocation
 * of the exact size. Throws `ProtocolError` for a port that is not a uint32.
 */
export function encodePexAddrs(addrs: readonly ProtoNetAddress[]): Uint8Array {
  const n = addrs.length
  if (lengths.length < 3 * n) lengths = new Int32Array(3 * n)
  let listLen = 0
  for (let i = 0; i < n; i++) {
    const a = addrs[i] as ProtoNetAddress
    checkPort(a.port)
    const idLen = stringLength(a.id)
    const ipLen = stringLength(a.ip)
    const idBytes = bytesOf(idLen)
    const ipBytes = bytesOf(ipLen)
    let body = 0
    if (idBytes > 0) body += 1 + varintLength(idBytes) + idBytes
    if (ipBytes > 0) body += 1 + varintLength(ipBytes) + ipBytes
    if (a.port !== 0) body += 1 + varintLength(a.port)
    lengths[3 * i] = idLen
    lengths[3 * i + 1] = ipLen
    lengths[3 * i + 2] = body
    listLen += 1 + varintLength(body) + body
  }
  const out = new Uint8Array(1 + varintLength(listLen) + listLen)
  out[0] = 0x12
  let pos = writeVarint(out, 1, listLen)
  for (let i = 0; i < n; i++) {
    const a = addrs[i] as ProtoNetAddress
    out[pos++] = 0x0a
    pos = writeVarint(out, pos, lengths[3 * i + 2] as number)
    pos = writeString(out, pos, 0x0a, a.id, lengths[3 * i] as number)
    pos = writeString(out, pos, 0x12, a.ip, lengths[3 * i + 1] as number)
    if (a.port !== 0) {
      out[pos++] = 0x18
      pos = writeVarint(out, pos, a.port)
    }
  }
  return out
}

/** PexRequest has no fields: everything in it is unknown and skipped. */
function skipAll(r: ProtoReader, name: string): void {
  while (!r.done) {
    const start = r.pos
    r.tag(name)
    r.skip(start)
  }
}

function decodeNetAddress(r: ProtoReader): ProtoNetAddress {
  let id = ''
  let ip = ''
  let port = 0
  while (!r.done) {
    const start = r.pos
    const field = r.tag('NetAddress')
    if (field === 1 || field === 2) {
      r.expectWire(WIRE_LEN, field === 1 ? 'ID' : 'IP')
      const end = r.lengthDelimited()
      const s = r.string(r.pos, end)
      if (field === 1) id = s
      else ip = s
      r.pos = end
    } else if (field === 3) {
      r.expectWire(WIRE_VARINT, 'Port')
      port = r.uint32()
    } else {
      r.skip(start)
    }
  }
  return { id, ip, port }
}

function decodeAddrs(r: ProtoReader, maxAddrs: number): ProtoNetAddress[] {
  const addrs: ProtoNetAddress[] = []
  while (!r.done) {
    const start = r.pos
    const field = r.tag('PexAddrs')
    if (field === 1) {
      r.expectWire(WIRE_LEN, 'Addrs')
      const end = r.lengthDelimited()
      if (addrs.length >= maxAddrs) {
        throw new MessageTooLargeError(addrs.length + 1, maxAddrs, `PexAddrs carries more than ${maxAddrs} addresses`)
      }
      // The same reader, narrowed to the embedded message: no allocation per address.
      const outer = r.end
      r.end = end
      addrs.push(decodeNetAddress(r))
      r.end = outer
    } else {
      r.skip(start)
    }
  }
  return addrs
}

/**
 * Decodes one PEX channel message. Throws `ProtocolError` for bytes gogo would refuse and for a
 * `Message` with no member set (Go's `unknown pex message: <nil>`), `MessageTooLargeError` for
 * more than `maxAddrs` addresses or more than `maxBytes` bytes. Addresses are returned as they
 * are on the wire; {@link netAddressesFromProto} checks them.
 */
export function decodePexMessage(buf: Uint8Array, options: DecodeOptions = {}): PexMessage {
  const maxBytes = options.maxBytes ?? MAX_PEX_MESSAGE_SIZE
  if (buf.length > maxBytes) throw new MessageTooLargeError(buf.length, maxBytes)
  const maxAddrs = options.maxAddrs ?? MAX_ADDRS_PER_MESSAGE
  const r = new ProtoReader(buf, 0, buf.length)
  let result: PexMessage | undefined
  while (!r.done) {
    const start = r.pos
    const field = r.tag('Message')
    if (field === 1 || field === 2) {
      r.expectWire(WIRE_LEN, field === 1 ? 'PexRequest' : 'PexAddrs')
      const end = r.lengthDelimited()
      const outer = r.end
      r.end = end
      // Each occurrence is decoded (and must be well-formed); the last one wins, as in gogo.
      if (field === 1) {
        skipAll(r, 'PexRequest')
        result = { type: 'request' }
      } else {
        result = { type: 'addrs', addrs: decodeAddrs(r, maxAddrs) }
      }
      r.end = outer
      r.pos = end
    } else {
      r.skip(start)
    }
  }
  if (result === undefined) throw new ProtocolError('unwrap: unknown pex message: <nil>')
  return result
}

/**
 * Go's `message_type` label of a PEX message (`p2p_PexRequest`, `p2p_PexAddrs`: the Go type
 * `*p2p.PexRequest` as Go's metrics name it), read from the first field tag of the `Message`
 * without decoding it; undefined for anything else. A message whose first field is not its
 * last member (which gogo would decode to the last one) is named after the first.
 */
export function pexMessageType(buf: Uint8Array): 'p2p_PexRequest' | 'p2p_PexAddrs' | undefined {
  const tag = buf[0]
  return tag === 0x0a ? 'p2p_PexRequest' : tag === 0x12 ? 'p2p_PexAddrs' : undefined
}

/**
 * Go's `NetAddressesFromProto`: every address must have an IP that parses and a port below
 * 65536; the first that does not throws `NetAddressError` (`invalid-ip` / `invalid-port`, with
 * Go's text). IDs are not checked here.
 */
export function netAddressesFromProto(addrs: readonly ProtoNetAddress[]): NetAddress[] {
  return addrs.map((a) => netAddressFromProto(a))
}
