/**
 * Shared pieces of the transport benchmarks (transport-*.ts): identities, started TCP transports
 * and connected pairs over loopback, a SecretConnection pair over a loopback socket pair, the
 * AEAD choice (`--aead=<name>`), medians and the header line naming the machine.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { connect, createServer, type Socket } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { NodeInfo, NodeKey, PeerConnection, Transport } from '@p2p/types'
import {
  type AeadBackend,
  availableAeads,
  defaultAead,
  type MConnectionInit,
  type SecretConnection,
  secretHandshake,
  type TcpTransportInit,
  tcpTransport
} from '../src/index.js'
import { nodeKeyFromSeed } from '../src/secret/ed25519.js'

export interface Identity {
  nodeKey: NodeKey
  nodeInfo: NodeInfo
}

/**
 * A fresh key and a Go-shaped NodeInfo (the same shape as test/helpers/identity.ts). `keyFromSeed`
 * lets a benchmark make the key with another build of the package (its `dist/`, another checkout).
 */
export function identity(channels: readonly number[], keyFromSeed: (seed: Uint8Array) => NodeKey = nodeKeyFromSeed): Identity {
  const nodeKey = keyFromSeed(randomBytes(32))
  const nodeInfo: NodeInfo = {
    protocolVersion: { p2p: 8n, block: 11n, app: 0n },
    id: nodeKey.id,
    listenAddr: 'tcp://127.0.0.1:26656',
    network: 'bench-chain',
    version: '0.34.35',
    channels: Uint8Array.from(channels),
    moniker: `bench-${nodeKey.id.slice(0, 6)}`,
    other: { txIndex: 'off', rpcAddress: '' }
  }
  return { nodeKey, nodeInfo }
}

/** The AEAD named by `--aead=<name>`, else the transport's default (the fastest that loads). */
export function chosenAead(): AeadBackend {
  const arg = process.argv.find((a) => a.startsWith('--aead='))
  if (arg === undefined) return defaultAead()
  const name = arg.slice('--aead='.length)
  const found = availableAeads().find((b) => b.name === name)
  if (found === undefined) {
    console.error(`unknown AEAD ${name}; available: ${availableAeads().map((b) => b.name).join(', ')}`)
    process.exit(2)
  }
  return found
}

/** Rate limiter out of the way; everything else is Go's default (flush throttle 100 ms). */
export const UNLIMITED: MConnectionInit = { sendRate: 0, recvRate: 0 }

/** A started TCP transport on 127.0.0.1 with a random port, the limiter off. */
export async function startTransport(
  channels: readonly number[],
  aead: AeadBackend,
  init: TcpTransportInit & { mconnection?: MConnectionInit } = {}
): Promise<Transport> {
  const id = identity(channels)
  const t = tcpTransport({
    listen: '127.0.0.1:0',
    allowDuplicateIp: true,
    mconnection: UNLIMITED,
    secret: { aead },
    ...init
  })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo })
  await t.start()
  return t
}

/** The next connection `t` accepts. */
export async function acceptOne(t: Transport): Promise<PeerConnection> {
  for await (const c of t.accept()) return c
  throw new Error('listener stopped before a connection arrived')
}

/** Dials `b` from `a` and resolves both ends once the dial and the accept completed. */
export async function connectPair(a: Transport, b: Transport): Promise<{ out: PeerConnection; inb: PeerConnection }> {
  const accepted = acceptOne(b)
  const out = await a.dial(b.listenAddress())
  return { out, inb: await accepted }
}

/** A connected loopback TCP socket pair (Nagle off, as the transport sets it). */
export async function socketPair(): Promise<{ client: Socket; server: Socket; close: () => Promise<void> }> {
  const srv = createServer({ noDelay: true })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const addr = srv.address()
  if (addr === null || typeof addr === 'string') throw new Error('no address')
  const serverSide = new Promise<Socket>((r) => srv.once('connection', r))
  const client = connect({ host: '127.0.0.1', port: addr.port, noDelay: true })
  await new Promise<void>((r, j) => {
    client.once('connect', r)
    client.once('error', j)
  })
  const server = await serverSide
  return { client, server, close: () => new Promise<void>((r) => srv.close(() => r())) }
}

/** Two SecretConnections over a loopback socket pair, the real handshake on both sides. */
export async function secretPair(aead: AeadBackend): Promise<{ a: SecretConnection; b: SecretConnection; close: () => Promise<void> }> {
  const { client, server, close } = await socketPair()
  const [a, b] = await Promise.all([
    secretHandshake(client, identity([]).nodeKey, { aead }),
    secretHandshake(server, identity([]).nodeKey, { aead })
  ])
  return {
    a,
    b,
    close: async () => {
      a.close()
      b.close()
      await close()
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y)
  return s[Math.floor(s.length / 2)] as number
}

/** Numeric option `--name=value`, else `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3))
}

/**
 * `--only=<text>`: run only the cases whose label contains one of the comma-separated texts
 * (for profiling one case, e.g. `--only="MConnection 1 KiB"`).
 */
export function selected(label: string): boolean {
  const arg = process.argv.find((a) => a.startsWith('--only='))
  if (arg === undefined) return true
  return arg
    .slice('--only='.length)
    .split(',')
    .some((t) => label.includes(t))
}

/** Machine, Node, date and load: the first line of every report. */
export function header(aead?: AeadBackend): string {
  const cpu = cpus()
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
  const aeadText = aead === undefined ? '' : `, AEAD ${aead.name}`
  return `node ${process.version}, ${cpu[0]?.model ?? 'cpu'} x ${cpu.length}, ${new Date().toISOString()}, load average ${load}${aeadText}`
}

/** `value / go` as a percentage string. */
export function ratio(value: number, go: number): string {
  return `${((value / go) * 100).toFixed(0)}%`
}

/**
 * Copies of the bench files `names` (in this folder) that plain `node` runs: types stripped, their
 * `../src/` imports pointed at the built `../dist/`, written to `../.tmp/` (so `../dist/` still
 * resolves). Peer processes started from them run the package as users run it: no tsx loader,
 * no esbuild transform, no sources loaded. Returns the path of the first file's copy.
 */
export async function plainCopies(names: readonly [string, ...string[]]): Promise<string> {
  const ts = (await import('typescript')).default
  const { mkdirSync, readFileSync, writeFileSync } = await import('node:fs')
  const out = new URL('../.tmp/', import.meta.url)
  mkdirSync(out, { recursive: true })
  const paths = names.map((name) => {
    const source = readFileSync(new URL(name, import.meta.url), 'utf8')
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: name
    })
    const target = new URL(name.replace(/\.ts$/, '.js'), out)
    writeFileSync(target, outputText.replaceAll("from '../src/", "from '../dist/"))
    return fileURLToPath(target)
  })
  return paths[0] as string
}

/** A child process running one of `transport-handshake-vs-go.ts`'s peer roles, spoken to by lines of JSON. */
export interface RoleProcess {
  proc: ChildProcess
  /** The next JSON line the role printed. */
  next(): Promise<Record<string, unknown>>
  send(line: string): void
}

/**
 * Starts `script` (the plain-JS copy of `transport-handshake-vs-go.ts` from {@link plainCopies})
 * in `role` on plain node, on the built package, with 256 dialer keys and `nodeArgs`.
 */
export function roleProcess(script: string, role: string, nodeArgs: readonly string[] = []): RoleProcess {
  const proc = spawn(process.execPath, [...nodeArgs, script, `--role=${role}`, '--from=dist', '--keys=256'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const queue: Array<Record<string, unknown>> = []
  const waiting: Array<(v: Record<string, unknown>) => void> = []
  createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.startsWith('{')) return
    const value = JSON.parse(line) as Record<string, unknown>
    const w = waiting.shift()
    if (w !== undefined) w(value)
    else queue.push(value)
  })
  return {
    proc,
    next: () => {
      const v = queue.shift()
      return v !== undefined ? Promise.resolve(v) : new Promise((resolve) => waiting.push(resolve))
    },
    send: (line) => proc.stdin?.write(`${line}\n`)
  }
}
