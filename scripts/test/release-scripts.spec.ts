import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
// @ts-expect-error: plain ESM script without type declarations
import { isStrict } from '../api-docs.mjs'
// @ts-expect-error: plain ESM script without type declarations
import { checkTarball } from '../check-packages.mjs'
// @ts-expect-error: plain ESM script without type declarations
import { importSpecifiers } from '../lib/imports.mjs'
// @ts-expect-error: plain ESM script without type declarations
import { isPlaceholder, packageOfSpecifier, readTarball } from '../lib/workspace.mjs'
// @ts-expect-error: plain ESM script without type declarations
import { satisfies } from '../release-dry-run.mjs'

type Files = Map<string, Buffer>
const specifiers = importSpecifiers as (code: string) => Set<string>
const check = checkTarball as (pkg: object, tarball: string) => Promise<{ errors: string[]; warnings: string[]; placeholder: boolean }>

let dir: string | undefined
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

/** Writes `files` under package/ and packs them the way npm does (a .tgz with a package/ prefix). */
function tarball(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), 'release-scripts-'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, 'package', path, '..'), { recursive: true })
    writeFileSync(join(dir, 'package', path), text)
  }
  const file = join(dir, 'pkg.tgz')
  execFileSync('tar', ['czf', file, '-C', dir, 'package'])
  return file
}

const manifest = (extra: object = {}): string =>
  JSON.stringify({
    name: '@p2p/demo',
    version: '1.0.0',
    description: 'demo',
    license: 'Apache-2.0',
    type: 'module',
    sideEffects: false,
    types: './dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
    files: ['dist'],
    ...extra
  })

describe('importSpecifiers', () => {
  it('finds static, dynamic, re-exported, required and referenced modules', () => {
    const code = [
      "import { a } from 'alpha'",
      "import * as b from '@scope/beta/sub'",
      "export { c } from './local.js'",
      "import 'gamma'",
      "const d = await import('delta')",
      "const e = require('epsilon')",
      '/// <reference types="zeta" />',
      "type T = import('eta').T"
    ].join('\n')
    expect([...specifiers(code)].sort()).toEqual(['./local.js', '@scope/beta/sub', 'alpha', 'delta', 'epsilon', 'eta', 'gamma', 'zeta'])
  })

  it('ignores modules named only in comments (TSDoc examples)', () => {
    const code = "/**\n * @example\n * import { loadConfig } from '@p2p/config'\n */\n// import 'nope'\nexport const url = 'http://x' // import 'nope2'\n"
    expect([...specifiers(code)]).toEqual([])
  })

  it('maps specifiers to package names, leaving relative and builtin ones out', () => {
    expect(packageOfSpecifier('@scope/pkg/deep/file.js')).toBe('@scope/pkg')
    expect(packageOfSpecifier('pkg/sub')).toBe('pkg')
    expect(packageOfSpecifier('./x.js')).toBeUndefined()
    expect(packageOfSpecifier('node:fs')).toBeUndefined()
  })
})

describe('satisfies (ranges pnpm pack writes)', () => {
  it('follows caret rules below and above 1.0', () => {
    expect(satisfies('0.1.1', '^0.1.0')).toBe(true)
    expect(satisfies('0.2.0', '^0.1.0')).toBe(false)
    expect(satisfies('0.0.1', '^0.0.0')).toBe(false)
    expect(satisfies('1.4.0', '^1.2.3')).toBe(true)
    expect(satisfies('2.0.0', '^1.2.3')).toBe(false)
    expect(satisfies('1.2.9', '~1.2.3')).toBe(true)
    expect(satisfies('1.3.0', '~1.2.3')).toBe(false)
    expect(satisfies('1.2.3', '1.2.3')).toBe(true)
    expect(satisfies('0.9.0', '*')).toBe(true)
  })
})

describe('check-packages on a tarball', () => {
  it('fails a package whose built code imports a module it does not declare', async () => {
    const file = tarball({
      'package.json': manifest({ dependencies: { '@p2p/types': '^1.0.0' } }),
      'README.md': "# demo\n\n```sh\nnpm install @p2p/demo\n```\n\n```ts\nimport { x } from '@p2p/demo'\n```\n",
      'dist/index.js': "import { a } from '@p2p/types'\nimport { b } from 'left-pad'\nimport { readFileSync } from 'node:fs'\nexport const x = [a, b, readFileSync]\n",
      'dist/index.d.ts': 'export declare const x: unknown[]\n'
    })
    const { errors, placeholder } = await check({ name: '@p2p/demo', dir: join(dir ?? '', 'package') }, file)
    expect(placeholder).toBe(false)
    expect(errors.filter((e) => e.includes('imports'))).toEqual([
      'dist/index.js imports left-pad, which package.json does not declare (dependencies, peerDependencies or optionalDependencies)'
    ])
  })

  it('fails a runtime dependency the built code never loads', async () => {
    const file = tarball({
      'package.json': manifest({ dependencies: { protobufjs: '^7.0.0' } }),
      'README.md': '# demo\n',
      'dist/index.js': 'export const x = 1\n',
      'dist/index.d.ts': 'export declare const x: number\n'
    })
    const { errors } = await check({ name: '@p2p/demo', dir: join(dir ?? '', 'package') }, file)
    expect(errors).toContain('dependencies.protobufjs is never loaded by the built code: a test or bench dependency belongs in devDependencies')
  })

  it('fails a tarball without the license text its package.json names', async () => {
    const files = {
      'package.json': manifest(),
      'README.md': '# demo\n',
      'dist/index.js': 'export const x = 1\n',
      'dist/index.d.ts': 'export declare const x: number\n'
    }
    const licenseErrors = async (extra: Record<string, string>): Promise<string[]> => {
      const file = tarball({ ...files, ...extra })
      const { errors } = await check({ name: '@p2p/demo', dir: join(dir ?? '', 'package') }, file)
      return errors.filter((e) => e.startsWith('LICENSE'))
    }
    expect(await licenseErrors({})).toEqual(['LICENSE is missing from the tarball (pnpm pack copies the root LICENSE into a package without one)'])
    expect(await licenseErrors({ LICENSE: 'MIT License\n' })).toEqual(['LICENSE is not the Apache-2.0 text that package.json\'s "license" names'])
    expect(await licenseErrors({ LICENSE: readFileSync(join(import.meta.dirname, '..', '..', 'LICENSE'), 'utf8') })).toEqual([])
  })

  it('reads tarballs and tells a placeholder (exports nothing) from a real package', () => {
    const file = tarball({ 'package.json': manifest(), 'dist/index.js': 'export {};\n//# sourceMappingURL=index.js.map' })
    const files = readTarball(file) as Files
    expect([...files.keys()].sort()).toEqual(['dist/index.js', 'package.json'])
    expect(isPlaceholder(files)).toBe(true)
    files.set('dist/sub/index.js', Buffer.from('export const y = 1\n'))
    expect(isPlaceholder(files)).toBe(false)
  })
})

describe('api-docs strictness', () => {
  const strict = isStrict as (pkg: { name: string }, text: string, reportOnly?: object) => boolean
  it('fails on a warning anywhere unless its entry point is listed as report-only', () => {
    const reportOnly = { '@p2p/types': ['src/wire/', 'src/fs/*'], '@p2p/node': true }
    const types = { name: '@p2p/types' }
    expect(strict(types, '[warning] X (Interface), defined in @p2p/types/src/peer.ts, does not have any documentation', reportOnly)).toBe(true)
    expect(strict(types, '[warning] wire.X (Variable), defined in @p2p/types/src/wire/proto.ts, does not have any documentation', reportOnly)).toBe(false)
    expect(strict(types, '[warning] fs.X (Variable), defined in @p2p/types/src/fs/a.ts, does not have any documentation', reportOnly)).toBe(false)
    expect(strict(types, '[warning] fs.X (Variable), defined in @p2p/types/src/fs/deep/a.ts, does not have any documentation', reportOnly)).toBe(true)
    expect(strict(types, './packages/types/src/errors.ts:2:39 - [warning] Encountered an unknown block tag @p2p', reportOnly)).toBe(true)
    // a link that names no file fails unless the whole package is report-only
    expect(strict(types, '[warning] Failed to resolve link to "X" in comment for y', reportOnly)).toBe(true)
    expect(strict({ name: '@p2p/node' }, '[warning] Failed to resolve link to "X" in comment for y', reportOnly)).toBe(false)
    expect(strict({ name: '@p2p/new-layer' }, '[warning] X (Interface), defined in @p2p/new-layer/src/a.ts, does not have any documentation', reportOnly)).toBe(true)
  })
  it('holds every package and entry point today', () => {
    for (const name of ['@p2p/types', '@p2p/config', '@p2p/transport', '@p2p/addrbook', '@p2p/switch', '@p2p/peer-manager', '@p2p/pex', '@p2p/compliance-tests', '@p2p/node']) {
      expect(strict({ name }, `[warning] wire.X (Variable), defined in ${name}/src/wire/proto.ts, does not have any documentation`)).toBe(true)
    }
  })
})
