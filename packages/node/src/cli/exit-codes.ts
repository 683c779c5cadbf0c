/** What each exit status of `p2p-node` means (also listed in `p2p-node --help`). */
export const EXIT = {
  /** Done; or stopped by a first SIGINT / SIGTERM after a graceful stop. */
  OK: 0,
  /** The run failed: the testnet did not converge in time, or an unexpected error. */
  FAILURE: 1,
  /** A bad command line: unknown command or flag, a flag value that does not parse. */
  USAGE: 2,
  /** Bad configuration or files: home directory, config.toml, node_key.json, addrbook.json, genesis.json. */
  CONFIG: 3,
  /** The machine refused: listen address in use, open-file limit too low. */
  RESOURCE: 4,
  /** A second signal: exited at once, without a graceful stop (128 + signal number). */
  SIGINT: 130,
  SIGTERM: 143
} as const

export const EXIT_CODES_HELP = `Exit codes:
  0    done, or stopped gracefully by SIGINT/SIGTERM
  1    failed (testnet did not converge in time, unexpected error)
  2    bad command line (unknown flag, bad flag value)
  3    bad configuration or file (home, config.toml, node_key.json, addrbook.json, genesis.json)
  4    resource refused (listen address in use, open-file limit too low)
  130  second SIGINT: exited at once (143 for SIGTERM)`
