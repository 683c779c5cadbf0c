import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const pkgs = fileURLToPath(new URL('./packages/', import.meta.url))

// Tests import workspace packages from their sources, so `vitest run` needs no build step.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@p2p\/types\/(wire|fs)$/, replacement: `${pkgs}types/src/$1/index.ts` },
      { find: /^@p2p\/compliance-tests\/(.+)$/, replacement: `${pkgs}compliance-tests/src/$1/index.ts` },
      { find: /^@p2p\/([a-z-]+)$/, replacement: `${pkgs}$1/src/index.ts` }
    ]
  },
  test: {
    include: ['packages/*/test/**/*.spec.ts', 'examples/**/*.spec.ts', 'scripts/test/**/*.spec.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/*/test/interop/**'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks'
  }
})
