/**
 * The throughput of transport-vs-go.ts with the sender in a child process, so that sender and
 * receiver each have a core, as Go's goroutines have (in one Node process one thread seals,
 * opens and multiplexes for both ends). This is what one node can push to, or take from, one
 * peer; Go's table is printed next to it.
 * Run: npx tsx packages/transport/bench/transport-two-process.ts [--window=1000] [--runs=3] [--warmup=500] [--aead=<name>] [--only=<label text>]
 */
import { type ChildProcess, fork } from 'node:child_process'
import { createServer, connect, type Socket } from 'node:net'
import { createNetAddress, type NodeID, type PeerConnection } from '@p2p/types'
import { secretHandshake } from '../src/index.js'
import { acceptOne, chosenAead, header, identity, numberArg, ratio, selected, startTransport } from './transport-common.js'
import { type Counter, mconnLabel, type MeasureOptions, row, secretLabel, settle, type Throughput, timeWindows } from './transport-measure.js'

const CHANNEL = { id: 0x20, priority: 5, sendQueueCapacity: 100 }
const aead = chosenAead()

type ToChild = { type: 'stop' } | { type: 'exit' }
type ToParent = { type: 'sent'; sent: Counter }

// ------------------------------------------------------------------ child: the sender

async function child(mode: string, size: number, port: number, id: string): Promise<void> {
  const payload = new Uint8Array(size).fill(0xa5)
  const sent: Counter = { msgs: 0, bytes: 0 }
  let stop = false
  let finish: () => Promise<void>
  let running: Promise<void>
  if (mode === 'mconn') {
    const t = await startTransport([CHANNEL.id], aead)
    const conn = await t.dial(createNetAddress(id as NodeID, '127.0.0.1', port))
    conn.start([CHANNEL], { onReceive() {}, onClose() {} })
    running = (async () => {
      while (!stop) {
        if (!conn.trySend(CHANNEL.id, payload) && !(await conn.send(CHANNEL.id, payload))) break
        sent.msgs++
        sent.bytes += size
      }
    })()
    finish = async () => {
      await conn.close({ flush: true })
      await t.stop()
    }
  } else {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true })
    const sc = await secretHandshake(socket, identity([]).nodeKey, { aead })
    sc.start({ onData() {}, onEnd() {} })
    running = (async () => {
      while (!stop) {
        sent.msgs++
        sent.bytes += size
        if (!sc.write(payload)) await sc.drained()
      }
    })()
    finish = async () => {
      await sc.drained().catch(() => {})
      sc.close()
    }
  }
  process.on('message', async (m: ToChild) => {
    if (m.type === 'stop') {
      stop = true
      await running
      process.send?.({ type: 'sent', sent } satisfies ToParent)
    } else {
      await finish()
      process.disconnect()
    }
  })
}

// ------------------------------------------------------------------ parent: the receiver

function spawnSender(mode: string, size: number, port: number, id: string): ChildProcess {
  const args = ['--child', mode, String(size), String(port), id, ...process.argv.filter((a) => a.startsWith('--aead='))]
  return fork(process.argv[1] as string, args, { stdio: 'inherit' })
}

async function stopSender(c: ChildProcess): Promise<Counter> {
  const reply = new Promise<Counter>((resolve) => c.once('message', (m: ToParent) => resolve(m.sent)))
  c.send({ type: 'stop' } satisfies ToChild)
  return reply
}

async function exitSender(c: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()))
  c.send({ type: 'exit' } satisfies ToChild)
  await exited
}

async function mconn(size: number, o: MeasureOptions): Promise<Throughput> {
  const t = await startTransport([CHANNEL.id], aead)
  const accepted = acceptOne(t)
  const addr = t.listenAddress()
  const c = spawnSender('mconn', size, addr.port, addr.id)
  const conn: PeerConnection = await accepted
  const recv: Counter = { msgs: 0, bytes: 0 }
  conn.start([CHANNEL], {
    onReceive: (_ch, m) => {
      recv.msgs++
      recv.bytes += m.length
    },
    onClose() {}
  })
  const label = `${mconnLabel(size, 1)}, 2 proc`
  try {
    const r = await timeWindows(label, recv, o)
    await settle(label, await stopSender(c), recv)
    await exitSender(c)
    return r
  } finally {
    await t.stop()
  }
}

async function secret(size: number, o: MeasureOptions): Promise<Throughput> {
  const srv = createServer({ noDelay: true })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const addr = srv.address()
  if (addr === null || typeof addr === 'string') throw new Error('no address')
  const socket = new Promise<Socket>((r) => srv.once('connection', r))
  const c = spawnSender('secret', size, addr.port, '')
  const sc = await secretHandshake(await socket, identity([]).nodeKey, { aead })
  const recv: Counter = { msgs: 0, bytes: 0 }
  sc.start({
    onData: (chunk) => {
      recv.bytes += chunk.length
      recv.msgs = Math.floor(recv.bytes / size)
    },
    onEnd() {}
  })
  const label = `${secretLabel(size)}, 2 proc`
  try {
    const r = await timeWindows(label, recv, o)
    await settle(label, await stopSender(c), recv)
    await exitSender(c)
    return r
  } finally {
    sc.close()
    await new Promise<void>((r) => srv.close(() => r()))
  }
}

async function parent(): Promise<void> {
  const o = { warmupMs: numberArg('warmup', 500), windowMs: numberArg('window', 1000), runs: numberArg('runs', 3) }
  console.log(header(aead))
  console.log(`sender in a child process, receiver here; median of ${o.runs} windows of ${o.windowMs} ms after ${o.warmupMs} ms warm-up; rate limiter off\n`)
  for (const [size, go] of [
    [1024, 241],
    [16_384, 249],
    [65_536, 317]
  ] as const) {
    if (!selected(secretLabel(size))) continue
    const r = await secret(size, o)
    console.log(row(r, `  Go ${go} MB/s -> ${ratio(r.mbPerS, go)} of Go`))
  }
  for (const [size, unit, go] of [
    [100, 'msgs', 588_000],
    [1024, 'mb', 183],
    [16_384, 'mb', 242],
    [1 << 20, 'mb', 240]
  ] as const) {
    if (!selected(mconnLabel(size, 1))) continue
    const r = await mconn(size, o)
    const vsGo = unit === 'msgs' ? `Go ${go} msgs/s -> ${ratio(r.msgsPerS, go)} of Go` : `Go ${go} MB/s -> ${ratio(r.mbPerS, go)} of Go`
    console.log(row(r, `  ${vsGo}`))
  }
}

const at = process.argv.indexOf('--child')
if (at >= 0) {
  const [mode, size, port, id] = process.argv.slice(at + 1)
  await child(mode ?? '', Number(size), Number(port), id ?? '')
} else {
  await parent()
}
