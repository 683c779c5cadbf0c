import { Writable } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { addrBook } from '@p2p/addrbook'
import { nodeKeyFromSeed } from '@p2p/config'
import { BaseReactor } from '@p2p/switch'
import { type ChannelDescriptor, createNetAddress, type Envelope, MisbehaviourError } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { createNode, nodeLogger, type P2PNode } from '../src/index.js'
import { until } from './observability-network.js'

const CH = 0x71

class Sink extends BaseReactor {
  readonly name = 'sink'
  got = 0
  channels(): ChannelDescriptor[] {
    return [{ id: CH, priority: 1 }]
  }
  receive(_e: Envelope): void {
    this.got++
  }
}

/** Every JSON log line written, parsed. */
function capture(): { stream: Writable; lines: Array<Record<string, unknown>>; text: () => string } {
  let buf = ''
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString()
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>)
        buf = buf.slice(nl + 1)
        nl = buf.indexOf('\n')
      }
      cb()
    }
  })
  return { stream, lines, text: () => lines.map((l) => JSON.stringify(l)).join('\n') }
}

describe('logs of a node at trace level', () => {
  it('are JSON lines per component and never carry a key, a payload or a secret', async () => {
    const log = capture()
    const logger = nodeLogger({ level: 'trace', format: 'json', destination: log.stream })
    const seeds = [randomBytes(32), randomBytes(32)]
    const keys = seeds.map((s) => nodeKeyFromSeed(Uint8Array.from(s)))
    const sinks = [new Sink(), new Sink()]
    const nodes: P2PNode[] = []
    for (const [i, nodeKey] of keys.entries()) {
      nodes.push(
        await createNode({
          config: { listenAddress: `tcp://127.0.0.${i + 1}:0`, addrBookStrict: false, allowDuplicateIp: true },
          nodeKey,
          network: 'log-chain',
          // no home: keep the book in memory
          addrBook: (c) => addrBook({ strict: false })(c),
          pex: false,
          peerManager: false,
          reactors: [sinks[i]!],
          logger
        })
      )
    }
    const [a, b] = nodes as [P2PNode, P2PNode]
    let bPort = 0
    try {
      await a.start()
      await b.start()
      bPort = b.listenAddress().port
      const peer = await a.components.switch.dialPeer(b.listenAddress())
      // a payload with a marker that must never reach a log line, in any encoding
      const marker = Buffer.from('PAYLOAD-MARKER-0123456789')
      for (let i = 0; i < 5; i++) await peer.send(CH, marker)
      await until(() => sinks[1]!.got === 5, 5000, 'the payload delivered')
      // a dial failure and a misbehaving peer
      await a.components.switch.dialPeer(createNetAddress('ee'.repeat(20), '127.0.0.9', 9)).catch(() => {})
      a.components.switch.stopPeer(peer, new MisbehaviourError('bad-message', 'test misbehaviour'))
      await until(() => b.components.switch.peers().size === 0, 5000, 'the peer removed')
    } finally {
      await a.stop()
      await b.stop()
    }
    const text = log.text()
    // OBS_DUMP_LOGS=1 prints the lines (what the report on log content was made from)
    if (process.env.OBS_DUMP_LOGS === '1') console.log(log.lines.map((l) => `${l.component} ${l.level} ${l.msg}`).join('\n'))
    const components = new Set(log.lines.map((l) => l.component))
    for (const c of ['p2p:switch', 'p2p:node']) expect(components, c).toContain(c)
    for (const l of log.lines) expect(typeof l.level === 'number' && typeof l.msg === 'string' && typeof l.time === 'number').toBe(true)
    // one line per peer event, from the switch, with ID, id@ip:port, direction and the typed reason
    const aId = a.id
    const bId = b.id
    const about = (re: RegExp) => log.lines.filter((l) => typeof l.msg === 'string' && re.test(l.msg))
    const added = about(/^peer added /)
    expect(added.map((l) => l.component)).toEqual(['p2p:switch', 'p2p:switch'])
    expect(added.map((l) => l.msg)).toContain(`peer added ${bId}@127.0.0.2:${bPort} outbound`)
    expect(added.some((l) => new RegExp(`^peer added ${aId}@127\\.0\\.0\\.1:\\d+ inbound$`).test(String(l.msg)))).toBe(true)
    const removed = about(/^peer removed /)
    expect(removed).toHaveLength(2)
    expect(removed.map((l) => l.component)).toEqual(['p2p:switch', 'p2p:switch'])
    expect(removed.map((l) => l.msg)).toContain(
      `peer removed ${bId}@127.0.0.2:${bPort} outbound reason=MisbehaviourError:bad-message: test misbehaviour`
    )
    const failed = about(/^dial failed /)
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ component: 'p2p:switch', msg: expect.stringMatching(new RegExp(`^dial failed ${'ee'.repeat(20)}@127\\.0\\.0\\.9:9 outbound reason=DialError`)) })
    // the misbehaviour is that one removal line: neither the switch nor the node logs it twice
    expect(about(/MisbehaviourError/).filter((l) => l.component === 'p2p:switch' || l.component === 'p2p:node')).toHaveLength(1)
    // nothing secret or payload-like, as text, hex or base64
    const marker = Buffer.from('PAYLOAD-MARKER-0123456789')
    for (const secret of [marker, ...seeds]) {
      for (const enc of ['utf8', 'hex', 'base64'] as const) expect(text).not.toContain(secret.toString(enc).slice(0, 24))
    }
  })
})

describe('a seed crawling an unreachable address', () => {
  it('logs the failed dial once: peer ID, address and typed reason on one line', async () => {
    const log = capture()
    const logger = nodeLogger({ level: 'trace', format: 'json', destination: log.stream })
    const seed = await createNode({
      config: { listenAddress: 'tcp://127.0.0.1:0', addrBookStrict: false, allowDuplicateIp: true, seedMode: true },
      nodeKey: nodeKeyFromSeed(Uint8Array.from(randomBytes(32))),
      network: 'log-chain',
      addrBook: (c) => addrBook({ strict: false })(c),
      layerOptions: { pex: { crawlPeriodMs: 60_000, minTimeBetweenCrawlsMs: 0 } },
      logger
    })
    // nobody listens on 127.0.0.9:9: the seed's first crawl round dials it and is refused
    const dead = createNetAddress('dd'.repeat(20), '127.0.0.9', 9)
    seed.components.addrBook.addAddress(dead, createNetAddress('cc'.repeat(20), '127.0.0.8', 9))
    try {
      await seed.start()
      await until(() => log.lines.some((l) => String(l.msg).startsWith('dial failed ')), 5000, 'the crawl dial failed')
      // let anything else about that dial (the crawler, the peer manager, the node) be written
      await new Promise((r) => setTimeout(r, 200))
    } finally {
      await seed.stop()
    }
    if (process.env.OBS_DUMP_LOGS === '1') console.log(log.lines.map((l) => `${l.component} ${l.level} ${l.msg}`).join('\n'))
    const about = log.lines.filter((l) => JSON.stringify(l).includes(dead.id) || JSON.stringify(l).includes('127.0.0.9:9'))
    expect(about.map((l) => l.msg)).toEqual([expect.stringMatching(new RegExp(`^dial failed ${dead.id}@127\\.0\\.0\\.9:9 outbound reason=DialError`))])
    expect(about[0]).toMatchObject({ component: 'p2p:switch' })
  })
})
