/**
 * Opt-in (`pnpm --filter @p2p/transport bench:hostile`): issue 10's two floods over loopback TCP,
 * with the package defaults.
 *
 * 1. Ping flood: an authenticated peer pings as fast as its socket drains and never reads. We
 *    print our RSS growth over 20 s and when (if) the peer was dropped.
 * 2. Half-open flood: 200 source IPs (127.0.1.x / 127.0.2.x) open silent sockets at ~43/s, up to
 *    300 at once, while 15 honest peers dial one after the other. We print how many got in.
 */
import { connect, type Socket } from 'node:net'
import { createNetAddress, type NetAddress, type PeerConnection, type Transport } from '@p2p/types'
import { encodeDelimited } from '@p2p/types/wire'
import { encodeNodeInfo, secretHandshake, tcpTransport } from '../src/index.js'
import { PING_PACKET } from '../src/mconn/packet-codec.js'
import { identity } from './transport-common.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const mib = (n: number): string => (n / 2 ** 20).toFixed(0)

async function started(rate?: number): Promise<Transport & { id: ReturnType<typeof identity> }> {
  const id = identity([0x20])
  const mconnection = rate === undefined ? {} : { sendRate: rate, recvRate: rate }
  const t = tcpTransport({ listen: '127.0.0.1:0', mconnection })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo })
  await t.start()
  return Object.assign(t, { id })
}

function raw(addr: NetAddress, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: addr.ip, port: addr.port, localAddress })
    s.once('connect', () => resolve(s))
    s.once('error', reject)
  })
}

async function pingFlood(seconds: number, rate?: number): Promise<string> {
  const us = await started(rate)
  const attacker = identity([0x20])
  const s = await raw(us.listenAddress())
  const sc = await secretHandshake(s, attacker.nodeKey)
  sc.start({ onData: () => {}, onEnd: () => {} })
  sc.write(encodeDelimited(encodeNodeInfo(attacker.nodeInfo)))
  let conn: PeerConnection | undefined
  for await (const c of us.accept()) {
    conn = c
    break
  }
  let droppedAt: number | undefined
  const t0 = performance.now()
  conn?.start([{ id: 0x20, priority: 1 }], { onReceive: () => {}, onClose: () => { droppedAt = performance.now() - t0 } })
  sc.pause()
  globalThis.gc?.()
  const before = process.memoryUsage().rss
  let peak = before
  let pings = 0
  while (performance.now() - t0 < seconds * 1000 && droppedAt === undefined && !sc.closed) {
    for (let i = 0; i < 64; i++) {
      pings++
      if (!sc.write(PING_PACKET)) {
        await Promise.race([sc.drained().catch(() => {}), sleep(100)])
        break
      }
    }
    await new Promise((r) => setImmediate(r))
    peak = Math.max(peak, process.memoryUsage().rss)
  }
  const dropped = droppedAt === undefined ? `still connected after ${seconds} s` : `dropped after ${(droppedAt / 1000).toFixed(1)} s`
  sc.close()
  await us.stop()
  return `| ping flood, peer never reads, recv_rate ${rate ?? 512000} B/s | ${pings} pings sent | RSS ${mib(before)} → peak ${mib(peak)} MiB | ${dropped} |`
}

async function halfOpenFlood(): Promise<string> {
  const us = await started()
  void (async () => {
    for await (const c of us.accept()) await c.close()
  })()
  const ips = Array.from({ length: 200 }, (_, i) => `127.0.${1 + (i >> 7)}.${1 + (i & 127)}`)
  const open = new Set<Socket>()
  let next = 0
  const flood = setInterval(() => {
    if (open.size >= 300) return
    const ip = ips[next++ % ips.length] as string
    raw(us.listenAddress(), ip).then(
      (s) => {
        open.add(s)
        s.on('error', () => {})
        s.once('close', () => open.delete(s))
        s.resume()
      },
      () => {}
    )
  }, 23)
  await sleep(3000)
  let ok = 0
  for (let i = 0; i < 15; i++) {
    const honest = await started()
    const addr = createNetAddress(us.id.nodeKey.id, '127.0.0.1', us.listenAddress().port)
    const conn = await honest.dial(addr).catch(() => undefined)
    if (conn !== undefined) {
      ok++
      await conn.close()
    }
    await honest.stop()
    await sleep(200)
  }
  clearInterval(flood)
  for (const s of open) s.destroy()
  await us.stop()
  return `| half-open flood, 200 IPs, ≤ 300 silent sockets at ~43/s | ${ok} of 15 honest dials succeeded | | |`
}

console.log(`Node ${process.version}, ${new Date().toISOString()}`)
console.log('| scenario | load | memory | outcome |')
console.log('| --- | --- | --- | --- |')
console.log(await pingFlood(20))
console.log(await pingFlood(20, 5_120_000))
console.log(await pingFlood(20, 0))
console.log(await halfOpenFlood())
