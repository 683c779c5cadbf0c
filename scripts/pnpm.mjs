#!/usr/bin/env node
// Runs the pnpm pinned in package.json#packageManager on a machine that has only Node and npm.
// npx fetches it from the npm registry once and caches it; no global install, no corepack keys.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const result = spawnSync('npx', ['--yes', packageManager, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, npm_config_update_notifier: 'false' }
})
if (result.error) {
  console.error(`could not run ${packageManager} through npx: ${result.error.message}`)
  process.exit(1)
}
process.exit(result.status ?? 1)
