import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeSwitch } from '@p2p/compliance-tests/peer-manager'
import { dialContext } from '@p2p/compliance-tests/dial-strategy'
import { type NetAddress, RejectedError } from '@p2p/types'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BiasedRandomStrategy, defaultAddressGroup, peerManager, readAnchors, writeAnchors } from '../src/index.js'
import { bookWith, candidateAddress, loopback, rejection } from './helpers.js'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anchors-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('anchors', () => {
  it('remembers the longest-connected outbound peers at stop and dials them first after a restart, without seeds', async () => {
    const file = join(dir, 'anchors.json')
    const addrs = Array.from({ length: 5 }, (_, i) => candidateAddress(i + 1))
    const sw = new FakeSwitch()
    sw.reachable(...addrs)
    const first = peerManager({ anchorsFile: file, maxAnchors: 2, maxOutboundPeers: 0 })({ switch: sw, addrBook: bookWith() })
    await first.start()
    for (const a of addrs.slice(0, 3)) await first.dial(a)
    sw.connectInbound(candidateAddress(50))
    await first.stop()
    const saved = JSON.parse(await readFile(file, 'utf8')) as { version: number; anchors: NetAddress[] }
    expect(saved.version).toBe(1)
    expect(saved.anchors.map((a) => a.id)).toEqual(addrs.slice(0, 2).map((a) => a.id))
    // no temporary file left beside it
    expect(await readdir(dir)).toEqual(['anchors.json'])

    // a restarted node: empty book, no seeds, nobody connected
    const sw2 = new FakeSwitch()
    sw2.reachable(...addrs)
    const second = peerManager({ anchorsFile: file, maxAnchors: 2, maxOutboundPeers: 4, ensurePeersPeriodMs: 3600_000 })({ switch: sw2, addrBook: bookWith() })
    await second.start()
    expect(sw2.dials.map((d) => d.addr.id)).toEqual(addrs.slice(0, 2).map((a) => a.id))
    await new Promise((r) => setImmediate(r))
    expect(sw2.peers().size).toBe(2)
    await second.stop()
  })

  it('an anchor that refuses us at first (it still holds our old connection) is tried again in the first rounds', async () => {
    const file = join(dir, 'anchors.json')
    const anchor = candidateAddress(7)
    await writeAnchors(file, [anchor])
    const sw = new FakeSwitch()
    let refusals = 1
    sw.onDial = () => (refusals-- > 0 ? new RejectedError('duplicate-id', 'still connected to your old self') : 'ok')
    const m = peerManager({ anchorsFile: file, maxOutboundPeers: 2, ensurePeersPeriodMs: 20, minRedialIntervalMs: 0 })({ switch: sw, addrBook: bookWith() })
    await m.start()
    for (let i = 0; i < 100 && !sw.peers().has(anchor.id); i++) await new Promise((r) => setTimeout(r, 5))
    await m.stop()
    expect(sw.dials.map((d) => d.addr.id)).toEqual([anchor.id, anchor.id])
    expect(sw.peers().has(anchor.id)).toBe(true)
  })

  it('a corrupt file is moved aside with a CorruptFileError, never silently replaced', async () => {
    const file = join(dir, 'anchors.json')
    await writeFile(file, '{"version":1,"anchors":[{"id":"nope"')
    const m = peerManager({ anchorsFile: file })({ switch: new FakeSwitch(), addrBook: bookWith() })
    const err = await rejection(m.start())
    expect(err.name).toBe('CorruptFileError')
    expect(String(err.movedTo)).toContain('anchors.json.corrupt-')
    const names = await readdir(dir)
    expect(names.some((n) => n.startsWith('anchors.json.corrupt-'))).toBe(true)
    expect(names).not.toContain('anchors.json')
    // a second start begins without anchors
    await m.start()
    await m.stop()
  })

  it('rejects files that are not anchors: wrong version, bad entries, too large', async () => {
    const file = join(dir, 'a.json')
    for (const text of ['[]', '{"version":2,"anchors":[]}', `{"version":1,"anchors":[{"id":"${'a'.repeat(40)}","ip":"x","port":1}]}`, 'x'.repeat(70_000)]) {
      await writeFile(file, text)
      expect((await rejection(readAnchors(file, 2, Date.now()))).name).toBe('CorruptFileError')
    }
    expect(await readAnchors(join(dir, 'missing.json'), 2, Date.now())).toEqual([])
  })

  it('a temporary file a killed writer left beside the anchors is removed at start', async () => {
    const file = join(dir, 'anchors.json')
    await writeAnchors(file, [candidateAddress(1)])
    await writeFile(join(dir, '.anchors.json.tmp-999-deadbeef'), '{"version":1,"anch')
    expect((await readAnchors(file, 2, Date.now())).map((a) => a.id)).toEqual([candidateAddress(1).id])
    expect(await readdir(dir)).toEqual(['anchors.json'])
  })
})

describe('outbound diversity', () => {
  it('spreads outbound peers across address groups', async () => {
    // 127.0.x.y: the /24 is the group here, so a loopback test can use it
    const groupOf = (a: NetAddress): string => a.ip.split('.').slice(0, 3).join('.')
    const crowded = Array.from({ length: 20 }, (_, i) => loopback(i + 1)) // 127.0.0.x
    const spread = Array.from({ length: 4 }, (_, i) => loopback(256 * (i + 1) + 1)) // 127.0.1-4.1
    const sw = new FakeSwitch()
    sw.reachable(...crowded, ...spread)
    const book = bookWith([...crowded, ...spread])
    const m = peerManager({ maxOutboundPeers: 5, ensurePeersPeriodMs: 10 })({
      switch: sw,
      addrBook: book,
      dialStrategy: new BiasedRandomStrategy(book, { groupOf, maxPerGroup: 1, picksPerWanted: 50 })
    })
    await m.start()
    for (let i = 0; i < 50 && sw.numPeers().outbound < 5; i++) await new Promise((r) => setTimeout(r, 10))
    await m.stop()
    const groups = sw.peers().list().map((p) => groupOf(p.socketAddr))
    expect(groups.length).toBe(5)
    expect(new Set(groups).size).toBe(5)
  })

  it('the strategy counts peers and dials already in a group', async () => {
    const a = candidateAddress(1)
    const same = { ...candidateAddress(2), ip: a.ip.replace(/\.\d+$/, '.99') }
    const s = new BiasedRandomStrategy({ pickAddress: () => same }, { maxPerGroup: 1 })
    expect(defaultAddressGroup(a)).toBe(defaultAddressGroup(same))
    expect(await s.next(dialContext({ wanted: 1, outboundAddresses: [a] }))).toEqual([])
    expect(await s.next(dialContext({ wanted: 1 }))).toEqual([same])
  })

  it('the default group: /16 of routable IPv4, /32 of IPv6, none for private and loopback addresses', () => {
    const g = (ip: string) => defaultAddressGroup({ id: 'a'.repeat(40) as NetAddress['id'], ip, port: 1 })
    expect(g('8.8.8.8')).toBe(g('8.8.200.1'))
    expect(g('8.8.8.8')).not.toBe(g('8.9.8.8'))
    expect(g('2a01:4f8::1')).toBe(g('2a01:4f8:ffff::2'))
    expect(g('127.0.0.2')).toBeUndefined()
    expect(g('10.0.0.1')).toBeUndefined()
    // so a test network on one loopback IP is not held to the per-group cap
    const same = { ...candidateAddress(3), ip: '127.0.0.1' }
    const s = new BiasedRandomStrategy({ pickAddress: () => same }, { maxPerGroup: 1 })
    return s.next(dialContext({ wanted: 1, outboundAddresses: [{ ...candidateAddress(4), ip: '127.0.0.1' }] })).then((out) => expect(out).toEqual([same]))
  })
})
