import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { defaultP2PConfig, loadConfig, loadNodeKey } from '@p2p/config'
import { ConfigError } from '@p2p/types'
import { Command, CommanderError, Option } from 'commander'
import { homePaths, initHome } from '../home.js'
import { type NodeLogger, nodeLogger } from '../logger.js'
import { addCrawlCommand } from './crawl.js'
import { describeError } from './describe-error.js'
import { EXIT, EXIT_CODES_HELP } from './exit-codes.js'
import {
  addConfigFlags,
  addGlobalOptions,
  addPeriodFlags,
  applyOverrides,
  configOverrides,
  type GlobalOptions,
  parseDuration,
  parsePositive
} from './flags.js'
import { runNode } from './run-node.js'
import { runTestnetCommand } from './testnet-command.js'

/** Where the CLI writes: stdout for results, stderr for diagnostics (and logs). */
export interface CliIO {
  /** Writes command output (default `process.stdout`); `text` carries its own line breaks. */
  stdout: (text: string) => void
  /** Writes diagnostics (default `process.stderr`). */
  stderr: (text: string) => void
}

const defaultIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t)
}

function makeLogger(g: GlobalOptions): NodeLogger {
  return nodeLogger({ level: g.logLevel, format: g.logFormat ?? (process.stderr.isTTY ? 'pretty' : 'json') })
}

/**
 * Runs `p2p-node` with `argv` (as `process.argv`) and resolves with the exit status; never
 * throws, never prints a stack trace.
 */
export async function main(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  let exitCode: number = EXIT.OK
  const program = new Command('p2p-node')
  const globals = (): GlobalOptions => program.opts<GlobalOptions>()
  program
    .description('A CometBFT v0.34 peer-to-peer node: join a network, run a seed, or watch a local testnet converge.')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .version((createRequire(import.meta.url)('../../package.json') as { version: string }).version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  addGlobalOptions(program)

  addConfigFlags(
    program
      .command('init')
      .description('create a home directory: config/config.toml (commented), config/node_key.json, config/genesis.json; existing files are kept')
      .option('--chain-id <id>', 'chain ID written into a new genesis.json (default test-chain-XXXXXX)')
  ).action(async (opts: Record<string, unknown>) => {
    const g = globals()
    const paths = homePaths(g.home)
    const config = applyOverrides(defaultP2PConfig({ home: paths.home }), configOverrides(opts))
    const { home: _h, ...settings } = config
    const r = await initHome(g.home, { config: settings, ...(typeof opts.chainId === 'string' ? { chainId: opts.chainId } : {}) })
    for (const f of r.created) io.stdout(`created ${f}\n`)
    for (const f of r.kept) io.stdout(`kept    ${f} (already there)\n`)
    io.stdout(`node ID ${r.nodeKey.id}\n`)
  })

  program
    .command('show-node-id')
    .description("print this node's ID (from the node key in the home directory)")
    .action(async () => {
      const g = globals()
      const paths = homePaths(g.home)
      const hasConfig = await stat(paths.configFile).then(
        () => true,
        () => false
      )
      const keyFile = hasConfig ? (await loadConfig(paths.configFile, { home: paths.home })).nodeKeyFile : paths.nodeKeyFile
      const key = await loadNodeKey(keyFile).catch((err: unknown) => {
        if ((err as { code?: unknown }).code === 'ENOENT') {
          throw new ConfigError(keyFile, `${keyFile} not found (create it with: p2p-node init --home ${g.home})`)
        }
        throw err
      })
      io.stdout(`${key.id}\n`)
    })

  for (const mode of ['start', 'seed'] as const) {
    const cmd = program
      .command(mode)
      .description(
        mode === 'start'
          ? 'run a node: join the network through the seeds and persistent peers of config.toml or the flags; SIGINT/SIGTERM stop it'
          : 'run a seed node (PEX seed mode): crawl the network, answer address requests, then hang up'
      )
      .option('--chain-id <id>', 'chain ID to announce (default: chain_id of config/genesis.json)')
      .option('--http <addr>', 'serve /metrics, /status, /net_info, /addrbook, /peers and the network page on host:port, e.g. 127.0.0.1:26660 (off by default)')
    addPeriodFlags(addConfigFlags(cmd)).action(async (opts: Record<string, unknown>) => {
      exitCode = await runNode(globals(), opts, mode, makeLogger(globals()))
    })
  }

  program
    .command('testnet')
    .description('start a seed and several nodes on 127.0.0.1 in this process and watch them find each other')
    .addOption(new Option('--nodes <n>', 'number of nodes besides the seeds').argParser(parsePositive).default(8))
    .addOption(new Option('--seeds <n>', 'number of seed nodes').argParser(parsePositive).default(1))
    .addOption(new Option('--target <n>', 'peers every node must reach (default min(4, nodes - 1 + seeds))').argParser(parsePositive))
    .addOption(new Option('--timeout <duration>', 'give up after this long').argParser(parseDuration).default(30_000, '30s'))
    .addOption(new Option('--period <duration>', 'PEX and peer-manager period of every node').argParser(parseDuration).default(500, '500ms'))
    .option('--quiet', 'print only the summary')
    .option('--ui [addr]', 'serve the live network page on host:port (default 127.0.0.1:26660) and keep the testnet running until Ctrl-C')
    .action(async (opts: Record<string, unknown>) => {
      exitCode = await runTestnetCommand(opts, io, makeLogger({ ...globals(), logLevel: globals().logLevel === 'info' ? 'warn' : globals().logLevel }))
    })

  addCrawlCommand(program, io, (code) => (exitCode = code))

  try {
    await program.parseAsync(argv)
    return exitCode
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE
    const { message, exitCode: code } = describeError(err)
    io.stderr(`p2p-node: error: ${message}\n`)
    return code
  }
}
