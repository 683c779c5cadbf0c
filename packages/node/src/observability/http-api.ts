import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Logger, NotStartedError, type Startable } from '@p2p/types'
import { loadStaticAssets, type StaticAsset } from './static-assets.js'
import { netInfoJson, peersText, selfNetworkView, statusJson, verifiedAddresses } from './status-json.js'
import type { NodeStatusSource } from './status-source.js'

/** Where and how the HTTP API listens; every limit has a default. */
export interface HttpApiInit {
  /** Default `127.0.0.1`: the API is for the operator, not the network. */
  host?: string
  /** Default 26660 (CometBFT's `prometheus_listen_addr`); 0 picks a free port. */
  port?: number
  /** Largest request head (request line and headers) in bytes; larger gets 431 (default 8192). */
  maxHeaderBytes?: number
  /** The whole head must arrive within this (default 5000 ms): slow senders are cut off. */
  headersTimeoutMs?: number
  /** The whole request must arrive within this (default 10000 ms). */
  requestTimeoutMs?: number
  /** An idle keep-alive connection is closed after this (default 5000 ms). */
  keepAliveTimeoutMs?: number
  /** Connections open at once; more are closed at accept (default 32). */
  maxConnections?: number
  /** Most addresses `/peers` returns (default 100, capped at 1000 by `?limit=`). */
  peersLimit?: number
  /** Serve the network page at `/` (default true). */
  ui?: boolean
}

/** A metrics registry the API can expose (a `PromMetrics` is one). */
export interface MetricsExposition {
  /** Every metric in the exposition format, served as `/metrics`. */
  expose(): Promise<string>
  /** The `Content-Type` of that text. */
  readonly contentType: string
}

/** What the {@link HttpApi} serves from. */
export interface HttpApiComponents {
  /** Read on each request of `/status`, `/net_info`, `/addrbook`, `/peers` and `/network`. */
  status: NodeStatusSource
  /** Served as `/metrics`; without it `/metrics` answers 404. */
  metrics?: MetricsExposition
  /** Where a failed request is logged. */
  logger?: Logger
}

/** Paths answered with JSON or text built per request. */
const API_PATHS = new Set(['/metrics', '/status', '/net_info', '/addrbook', '/peers', '/network'])
const MAX_PEERS_LIMIT = 1000

/** The observability HTTP server: GET/HEAD only, fixed paths, bounded requests. */
export class HttpApi implements Startable {
  private server: Server | undefined
  private assets = new Map<string, StaticAsset>()
  private readonly opts: Required<Omit<HttpApiInit, 'host' | 'port'>> & { host: string; port: number }

  constructor(
    init: HttpApiInit,
    private readonly components: HttpApiComponents
  ) {
    this.opts = {
      host: init.host ?? '127.0.0.1',
      port: init.port ?? 26660,
      maxHeaderBytes: init.maxHeaderBytes ?? 8192,
      headersTimeoutMs: init.headersTimeoutMs ?? 5000,
      requestTimeoutMs: init.requestTimeoutMs ?? 10_000,
      keepAliveTimeoutMs: init.keepAliveTimeoutMs ?? 5000,
      maxConnections: init.maxConnections ?? 32,
      peersLimit: init.peersLimit ?? 100,
      ui: init.ui ?? true
    }
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return
    if (this.opts.ui) this.assets = await loadStaticAssets()
    const o = this.opts
    const server = createServer(
      {
        maxHeaderSize: o.maxHeaderBytes,
        headersTimeout: o.headersTimeoutMs,
        requestTimeout: o.requestTimeoutMs,
        keepAliveTimeout: o.keepAliveTimeoutMs,
        // how often node:http checks the two timeouts above (default 30 s would let a
        // slowloris client hold a slot that long)
        connectionsCheckingInterval: Math.min(1000, o.headersTimeoutMs),
        requireHostHeader: false
      },
      (req, res) => this.handle(req, res)
    )
    server.maxConnections = o.maxConnections
    server.maxRequestsPerSocket = 100
    // an idle socket (no bytes at all) is closed too
    server.setTimeout(o.requestTimeoutMs, (socket) => socket.destroy())
    server.on('clientError', (err, socket) => {
      // malformed or oversized heads: answer when the socket can still take it, then close
      const code = (err as NodeJS.ErrnoException).code
      const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      socket.destroy()
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(o.port, o.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server === undefined) return
    this.server = undefined
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  /** The bound address (the port, when 0 was asked); throws `NotStartedError` before start. */
  address(): { host: string; port: number } {
    const a = this.server?.address() as AddressInfo | null | undefined
    if (a === undefined || a === null) throw new NotStartedError('the HTTP API is not listening')
    return { host: a.address, port: a.port }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Cache-Control', 'no-store')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      this.send(req, res, 405, 'text/plain; charset=utf-8', 'method not allowed\n')
      return
    }
    // a GET with a body is not ours to read: refuse it and close rather than drain it
    if (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') {
      res.setHeader('Connection', 'close')
      this.send(req, res, 400, 'text/plain; charset=utf-8', 'no body expected\n')
      return
    }
    if (req.headers['transfer-encoding'] !== undefined) {
      res.setHeader('Connection', 'close')
      this.send(req, res, 400, 'text/plain; charset=utf-8', 'no body expected\n')
      return
    }
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      this.send(req, res, 400, 'text/plain; charset=utf-8', 'bad request\n')
      return
    }
    const asset = this.assets.get(url.pathname)
    if (asset !== undefined) {
      res.setHeader('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:")
      this.send(req, res, 200, asset.contentType, asset.body)
      return
    }
    if (!API_PATHS.has(url.pathname)) {
      this.send(req, res, 404, 'text/plain; charset=utf-8', 'not found\n')
      return
    }
    this.api(url, req, res).catch((err: unknown) => {
      const name = (err as Error | undefined)?.name ?? 'error'
      if (res.headersSent) return void res.destroy()
      // a node (or a testnet) still starting is not a failure of the API
      if (name === 'NotStartedError') return this.send(req, res, 503, 'text/plain; charset=utf-8', 'not started yet\n')
      this.components.logger?.error('http api %s failed: %s', url.pathname, name)
      this.send(req, res, 500, 'text/plain; charset=utf-8', 'internal error\n')
    })
  }

  private async api(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const source = this.components.status
    switch (url.pathname) {
      case '/metrics': {
        const m = this.components.metrics
        if (m === undefined) return this.send(req, res, 404, 'text/plain; charset=utf-8', 'metrics are off\n')
        return this.send(req, res, 200, m.contentType, await m.expose())
      }
      case '/status':
        return this.json(req, res, statusJson(source))
      case '/net_info':
        return this.json(req, res, netInfoJson(source))
      case '/addrbook':
        return this.json(req, res, source.addrBook?.() ?? null)
      case '/network':
        return this.json(req, res, source.network?.() ?? selfNetworkView(source))
      case '/peers': {
        const asked = Number.parseInt(url.searchParams.get('limit') ?? '', 10)
        const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, MAX_PEERS_LIMIT) : this.opts.peersLimit
        const addrs = verifiedAddresses(source, limit)
        if (addrs === undefined) {
          return this.send(req, res, 404, 'text/plain; charset=utf-8', 'this node does not know which addresses it verified\n')
        }
        const wantsJson = url.searchParams.get('format') === 'json' || (req.headers.accept ?? '').includes('application/json')
        if (wantsJson) return this.json(req, res, { peers: addrs.map((a) => peersText([a]).trimEnd()) })
        return this.send(req, res, 200, 'text/plain; charset=utf-8', peersText(addrs))
      }
    }
  }

  private json(req: IncomingMessage, res: ServerResponse, value: unknown): void {
    this.send(req, res, 200, 'application/json; charset=utf-8', `${JSON.stringify(value, null, 2)}\n`)
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': bytes.length })
    res.end(req.method === 'HEAD' ? undefined : bytes)
  }
}
