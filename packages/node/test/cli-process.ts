import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

function newest(dir: string): number {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

/**
 * The built CLI when every package's build is newer than its sources (as under `npm test`,
 * which builds first): it starts in a fraction of the time tsx needs on a loaded machine.
 * Otherwise the sources through tsx, so a test never runs stale code.
 */
function command(): string[] {
  const pkgs = join(root, 'packages')
  try {
    const built = readdirSync(pkgs).every((p) => {
      const info = statSync(join(pkgs, p, 'dist', 'tsconfig.tsbuildinfo'), { throwIfNoEntry: false })
      return info === undefined ? !statSync(join(pkgs, p, 'src'), { throwIfNoEntry: false }) : info.mtimeMs >= newest(join(pkgs, p, 'src'))
    })
    if (built) return [join(pkgs, 'node', 'dist', 'bin', 'p2p-node.js')]
  } catch {
    // fall through to the sources
  }
  return ['--import', 'tsx', join(pkgs, 'node', 'src', 'bin', 'p2p-node.ts')]
}
const cliArgs = command()

export interface LogLine {
  level: number
  msg: string
  component?: string
}

/**
 * `p2p-node` in its own process, run from source through tsx (the workspace packages resolve to
 * their sources through tsconfig.test.json, so no build is needed). Collects stdout, stderr and
 * the JSON log lines, and waits for lines or the exit.
 */
export class CliProcess {
  readonly child: ChildProcess
  stdout = ''
  stderr = ''
  readonly logs: LogLine[] = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  #waiters = new Set<() => void>()

  constructor(args: readonly string[], options: { shellPrefix?: string } = {}) {
    const argv = [process.execPath, ...cliArgs, ...args, '--log-format', 'json']
    const env = { ...process.env, TSX_TSCONFIG_PATH: 'tsconfig.test.json' }
    this.child =
      options.shellPrefix === undefined
        ? spawn(argv[0] as string, argv.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('/bin/sh', ['-c', `${options.shellPrefix} exec "$@"`, 'sh', ...argv], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d
      this.#wake()
    })
    let partial = ''
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d
      partial += d
      const lines = partial.split('\n')
      partial = lines.pop() ?? ''
      for (const l of lines) {
        if (!l.startsWith('{')) continue
        try {
          this.logs.push(JSON.parse(l) as LogLine)
        } catch {
          // not a log line
        }
      }
      this.#wake()
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => {
      this.#wake()
      resolve({ code, signal })
    }))
  }

  #wake(): void {
    for (const w of this.#waiters) w()
  }

  /** Resolves with the first log line matching `re` (checked again as lines arrive). */
  async waitForLog(re: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    return this.waitFor(() => {
      for (const l of this.logs) {
        const m = re.exec(l.msg)
        if (m !== null) return m
      }
      return undefined
    }, `log ${re}`, timeoutMs)
  }

  /** Resolves when `check` returns a value; rejects after `timeoutMs` or when the process exits first. */
  waitFor<T>(check: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}; stderr:\n${this.stderr.slice(-2000)}`)), timeoutMs)
      const done = (err?: Error, value?: T): void => {
        clearTimeout(timer)
        this.#waiters.delete(poll)
        if (err !== undefined) reject(err)
        else resolve(value as T)
      }
      const poll = (): void => {
        const v = check()
        if (v !== undefined) done(undefined, v)
        else if (this.child.exitCode !== null || this.child.signalCode !== null) done(new Error(`exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}; stderr:\n${this.stderr.slice(-2000)}`))
      }
      this.#waiters.add(poll)
      poll()
    })
  }

  /** The latest status line's figures. */
  status(): { peers: number; book: number } | undefined {
    for (let i = this.logs.length - 1; i >= 0; i--) {
      const m = /^status: peers=(\d+) .*book=(\d+)/.exec(this.logs[i]?.msg ?? '')
      if (m !== null) return { peers: Number(m[1]), book: Number(m[2]) }
    }
    return undefined
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal)
  }
}

/** Runs `p2p-node args` to completion. */
export async function runCliProcess(args: readonly string[], options: { shellPrefix?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = new CliProcess(args, options)
  const { code } = await p.exited
  return { code, stdout: p.stdout, stderr: p.stderr }
}
