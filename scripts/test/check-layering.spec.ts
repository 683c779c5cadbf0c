import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
// @ts-expect-error: plain ESM script without type declarations
import { checkLayering } from '../check-layering.mjs'

const check = checkLayering as (root: string) => string[]
let root: string

function pkg(name: string, manifest: object, files: Record<string, string> = {}): void {
  const dir = join(root, 'packages', name)
  mkdirSync(join(dir, 'src'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@p2p/${name}`, ...manifest }))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

afterEach(() => rmSync(root, { recursive: true, force: true }))

describe('layering check', () => {
  it('passes a tree where layers use @p2p/types only', () => {
    root = mkdtempSync(join(tmpdir(), 'layering-'))
    pkg('types', {}, { 'src/index.ts': 'export const x = 1\n' })
    pkg('pex', { dependencies: { '@p2p/types': 'workspace:^' }, devDependencies: { '@p2p/compliance-tests': 'workspace:^', '@p2p/transport': 'workspace:^' } }, {
      'src/index.ts': "import type { AddrBook } from '@p2p/types'\nexport type A = AddrBook\n",
      'test/x.spec.ts': "import suite from '@p2p/compliance-tests/reactor'\nimport { tcpTransport } from '@p2p/transport'\n"
    })
    pkg('node', { dependencies: { '@p2p/pex': 'workspace:^', '@p2p/addrbook': 'workspace:^' } }, {
      'src/index.ts': "import { pex } from '@p2p/pex'\nimport { addrBook } from '@p2p/addrbook'\n"
    })
    expect(check(root)).toEqual([])
  })

  it('fails on a dependency, a static, a dynamic and a relative import of a sibling', () => {
    root = mkdtempSync(join(tmpdir(), 'layering-'))
    pkg('types', {})
    pkg('addrbook', {})
    pkg('pex', { dependencies: { '@p2p/types': 'workspace:^', '@p2p/addrbook': 'workspace:^' } }, {
      'src/index.ts': "import { addrBook } from '@p2p/addrbook'\nexport { addrBook }\n",
      'src/lazy.ts': "export const load = () => import('@p2p/config')\n",
      'src/rel.ts': "export * from '../../addrbook/src/index.js'\n",
      'test/x.spec.ts': "import { createNode } from '@p2p/node'\n"
    })
    const violations = check(root)
    expect(violations).toHaveLength(5)
    expect(violations.join('\n')).toMatch(/package\.json: dependencies names @p2p\/addrbook/)
    expect(violations.join('\n')).toMatch(/src\/index\.ts: imports @p2p\/addrbook/)
    expect(violations.join('\n')).toMatch(/src\/lazy\.ts: imports @p2p\/config/)
    expect(violations.join('\n')).toMatch(/src\/rel\.ts: relative import/)
    expect(violations.join('\n')).toMatch(/test\/x\.spec\.ts: imports @p2p\/node/)
  })
})
