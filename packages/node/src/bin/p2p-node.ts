#!/usr/bin/env node
import { main } from '../cli/main.js'

main(process.argv).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    // main never rejects; this is the last line of defence, still without a stack trace
    process.stderr.write(`p2p-node: error: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  }
)
