import type { Writable } from 'node:stream'
import { inspect } from 'node:util'
import type { ComponentLogger, Logger } from '@p2p/types'
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino'
import pretty from 'pino-pretty'

/** The levels `--log-level` accepts, most verbose first; `silent` writes nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number]
/** The formats `--log-format` accepts: one JSON object per line, or human-readable lines. */
export const LOG_FORMATS = ['json', 'pretty'] as const
/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number]

/** Options of {@link nodeLogger}. */
export interface NodeLoggerOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel
  /** `json` (one object per line) or `pretty` (human-readable). Default `json`. */
  format?: LogFormat
  /** Where lines go: a file descriptor or a stream. Default 2 (stderr), so stdout stays for command output. */
  destination?: number | Writable
  /** Colours in the pretty format. Default: when the destination is a TTY. */
  colorize?: boolean
}

/**
 * The node's logger: the `ComponentLogger` every layer receives, plus the levels the node and
 * CLI use for their own messages.
 */
export interface NodeLogger extends ComponentLogger {
  readonly level: LogLevel
  /** Writes an `info` line; `msg` is a format (`%s`, `%d`, `%j`...) as in {@link formatLogMessage}. */
  info(msg: string, ...args: unknown[]): void
  /** Writes a `warn` line (format as for `info`). */
  warn(msg: string, ...args: unknown[]): void
  /** Writes an `error` line (format as for `info`). */
  error(msg: string, ...args: unknown[]): void
  /** Writes out anything buffered (before the process exits). */
  flush(): void
}

/**
 * Formats a debug-style message. Never writes a payload or a key: byte arrays become their
 * length, so a `%s` of a message or a key cannot leak its content into a log.
 */
export function formatLogMessage(fmt: string, args: readonly unknown[]): string {
  let i = 0
  const text = fmt.replace(/%([sdifjoOeXp%])/g, (whole, spec: string) => {
    if (spec === '%') return '%'
    if (i >= args.length) return whole
    const arg = args[i++]
    switch (spec) {
      case 'd':
      case 'i':
      case 'f':
        return typeof arg === 'bigint' ? `${arg}` : String(Number(arg))
      case 'e':
        return describe(arg)
      case 'j':
        return safeJson(arg)
      default:
        return describe(arg)
    }
  })
  const rest = args.slice(i).map(describe)
  return rest.length === 0 ? text : `${text} ${rest.join(' ')}`
}

function describe(arg: unknown): string {
  if (arg instanceof Uint8Array) return `<${arg.length} bytes>`
  if (arg instanceof Error) return arg.message
  if (typeof arg === 'string') return arg
  if (typeof arg === 'object' && arg !== null) return inspect(arg, { depth: 2, breakLength: Number.POSITIVE_INFINITY })
  return String(arg)
}

function safeJson(arg: unknown): string {
  try {
    return JSON.stringify(arg, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : typeof v === 'bigint' ? `${v}` : v))
  } catch {
    return '[unserialisable]'
  }
}

// Field names that would hold a secret if a component ever passed an object: pino removes them.
const REDACT = ['priv_key', 'privKey', 'privateKey', 'seed', '*.priv_key', '*.privKey', '*.privateKey', '*.seed']

function destinationOf(options: NodeLoggerOptions): DestinationStream {
  const dest = options.destination ?? 2
  const isTty = typeof dest === 'number' ? (dest === 2 ? process.stderr.isTTY : dest === 1 ? process.stdout.isTTY : false) : false
  if (options.format === 'pretty') {
    return pretty({
      destination: dest,
      sync: true,
      colorize: options.colorize ?? isTty === true,
      ignore: 'pid,hostname,component',
      messageFormat: '{if component}{component}: {end}{msg}',
      translateTime: 'SYS:HH:MM:ss.l'
    })
  }
  if (typeof dest === 'number') return pino.destination({ dest, sync: true })
  return dest
}

class PinoNodeLogger implements NodeLogger {
  readonly level: LogLevel
  readonly #root: PinoLogger
  readonly #components = new Map<string, Logger>()

  constructor(root: PinoLogger, level: LogLevel) {
    this.#root = root
    this.level = level
  }

  forComponent(name: string): Logger {
    const cached = this.#components.get(name)
    if (cached !== undefined) return cached
    const child = this.#root.child({ component: name })
    // debug-style: a plain call is `debug`, so a node at `info` shows only its own lifecycle lines.
    const log = ((fmt: string, ...args: unknown[]) => {
      if (child.isLevelEnabled('debug')) child.debug(formatLogMessage(fmt, args))
    }) as Logger
    Object.defineProperties(log, {
      error: { value: (fmt: string, ...args: unknown[]) => child.isLevelEnabled('warn') && child.warn(formatLogMessage(fmt, args)) },
      trace: { value: (fmt: string, ...args: unknown[]) => child.isLevelEnabled('trace') && child.trace(formatLogMessage(fmt, args)) },
      enabled: { get: () => child.isLevelEnabled('debug') }
    })
    this.#components.set(name, log)
    return log
  }

  info(msg: string, ...args: unknown[]): void {
    if (this.#root.isLevelEnabled('info')) this.#root.info(formatLogMessage(msg, args))
  }

  warn(msg: string, ...args: unknown[]): void {
    if (this.#root.isLevelEnabled('warn')) this.#root.warn(formatLogMessage(msg, args))
  }

  error(msg: string, ...args: unknown[]): void {
    if (this.#root.isLevelEnabled('error')) this.#root.error(formatLogMessage(msg, args))
  }

  flush(): void {
    try {
      this.#root.flush()
    } catch {
      // a closed destination: nothing left to write
    }
  }
}

/**
 * A pino-backed logger for a node. Components' own failures (`log.error`) are written at
 * `warn`: a peer that misbehaves is routine for a node, not an error of the node; the node's
 * own failures are `error`.
 *
 * @example
 * ```ts
 * const logger = nodeLogger({ level: 'debug', format: 'pretty' })
 * const node = await createNode({ logger, config })
 * ```
 */
export function nodeLogger(options: NodeLoggerOptions = {}): NodeLogger {
  const level = options.level ?? 'info'
  const root = pino(
    {
      name: 'p2p-node',
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT, remove: true }
    },
    destinationOf(options)
  )
  return new PinoNodeLogger(root, level)
}
