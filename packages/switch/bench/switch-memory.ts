/**
 * Memory per connected peer: this process is the hub (transport + switch + a ping reactor and
 * a reactor on Go's nine other v0.34 channels); `--peers` nodes (default 500) run in a child
 * process and dial it. Heap, external memory and RSS are taken after a full GC with the hub
 * started and no peer, and again with every peer connected; the growth is divided by the peer
 * count. Then the hub pings every peer and counts the answers. The script runs 2,000 peers
 * with --peers=2000 (the target); the default is lower to spare the shared machine.
 * Run: node --expose-gc --import tsx packages/switch/bench/switch-memory.ts [--peers=500]
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createNetAddress, type Peer } from '@p2p/types'
import { GO_CHANNELS, getGc, header, numberArg, PingReactor, pool, SinkReactor, sleep, startNode, stopNodes, type BenchNode, until } from './common.js'

const PEERS = numberArg('peers', 500)
const child = process.argv.includes('--child')

if (child) {
  // The dialling side: PEERS small nodes, each its own identity and listener.
  const [id, ip, port] = (process.argv.find((a) => a.startsWith('--hub='))?.slice(6) ?? '').split(/[@:]/)
  const hub = createNetAddress(id ?? '', ip ?? '', Number(port))
  const nodes: BenchNode[] = []
  const started = performance.now()
  await pool(
    Array.from({ length: PEERS }, (_, i) => i),
    16,
    async () => {
      const n = await startNode([new PingReactor(), new SinkReactor(GO_CHANNELS)])
      nodes.push(n)
      // A loaded machine misses the transport's 1 s TCP connect deadline now and then: retry.
      for (let attempt = 1; ; attempt++) {
        try {
          await n.sw.dialPeer(hub)
          break
        } catch (err) {
          if (attempt >= 10) throw err
          await sleep(100 * attempt)
        }
      }
    }
  )
  process.stdout.write(`connected ${nodes.length} in ${(performance.now() - started).toFixed(0)} ms\n`)
  process.stdin.once('data', async () => {
    await stopNodes(nodes)
    process.exit(0)
  })
} else {
  const gc = getGc()
  const snapshot = async () => {
    for (let i = 0; i < 3; i++) {
      gc()
      await sleep(50)
    }
    return process.memoryUsage()
  }
  header(`switch: memory per connected peer, ${PEERS} inbound peers (Go's 10 channels), peers in a child process`)
  const ping = new PingReactor()
  const hub = await startNode([ping, new SinkReactor(GO_CHANNELS)], { maxInboundPeers: PEERS + 10 })
  const before = await snapshot()
  const a = hub.transport.listenAddress()
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', `--peers=${PEERS}`, `--hub=${a.id}@${a.ip}:${a.port}`], {
    stdio: ['pipe', 'pipe', 'inherit']
  })
  proc.stdout.on('data', (d: Buffer) => process.stdout.write(`child: ${d}`))
  let exited = false
  proc.once('exit', () => {
    exited = true
  })
  await until(() => hub.sw.peers().size === PEERS || exited, `${PEERS} peers`, 600_000)
  if (exited) throw new Error(`the child exited with ${hub.sw.peers().size} of ${PEERS} peers connected`)
  await sleep(500) // let the handshake buffers go
  const after = await snapshot()
  const per = (k: 'heapUsed' | 'external' | 'arrayBuffers' | 'rss'): string => `${((after[k] - before[k]) / PEERS / 1024).toFixed(1)} KiB`
  console.log(`per peer: heap ${per('heapUsed')}, external ${per('external')} (array buffers ${per('arrayBuffers')}), RSS ${per('rss')}`)
  const total = (after.heapUsed - before.heapUsed + after.external - before.external) / PEERS / 1024
  console.log(`heap + external per peer: ${total.toFixed(1)} KiB (goal < 100 KB = 97.7 KiB)`)
  const t0 = performance.now()
  let answered = 0
  await pool(hub.sw.peers().list(), 64, async (p: Peer) => {
    await ping.ping(p)
    answered++
  })
  console.log(`pings answered: ${answered} / ${PEERS} in ${(performance.now() - t0).toFixed(0)} ms`)
  proc.stdin?.write('stop\n')
  await new Promise((r) => proc.once('exit', r))
  await stopNodes([hub])
}
