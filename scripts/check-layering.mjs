#!/usr/bin/env node
// Fails when a layer package depends on or imports a sibling other than @p2p/types.
// Layers must stay swappable: only @p2p/node, examples/ and tests compose concrete packages.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const LAYERS = ['config', 'transport', 'switch', 'addrbook', 'pex', 'peer-manager']
/** What each package's shipped code (src/) may import from the workspace. */
const SRC_ALLOWED = {
  types: [],
  'compliance-tests': ['types'],
  ...Object.fromEntries(LAYERS.map((l) => [l, ['types']]))
}
/**
 * Tests and benchmarks compose (DEVELOPERS.md: only @p2p/node, examples/ and tests do): they may
 * run the compliance suites and sibling layers, declared as devDependencies. Never @p2p/node,
 * which depends on every layer.
 */
const TEST_EXTRA = ['compliance-tests', 'config', ...LAYERS]

const IMPORT_RE = /(?:^|[^\w.$])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.$])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^\w.$])import\s+['"]([^'"]+)['"]|require\s*\(\s*['"]([^'"]+)['"]\s*\)/gm

function listFiles(dir) {
  let out = []
  let entries
  try {
    entries = readdirSync(dir)
  } catch {
    return out
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue
    const p = join(dir, name)
    const st = statSync(p)
    if (st.isDirectory()) out = out.concat(listFiles(p))
    else if (/\.(?:[cm]?[jt]s|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

function workspaceName(spec) {
  const m = /^@p2p\/([a-z0-9-]+)(?:\/.*)?$/.exec(spec)
  return m ? m[1] : undefined
}

/** Returns the list of violations (strings) under `root`. */
export function checkLayering(root) {
  const violations = []
  const pkgsDir = join(root, 'packages')
  for (const pkg of Object.keys(SRC_ALLOWED)) {
    const dir = join(pkgsDir, pkg)
    let manifest
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    } catch {
      continue
    }
    const srcAllowed = new Set(SRC_ALLOWED[pkg])
    const testAllowed = new Set([...srcAllowed, ...TEST_EXTRA])
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        const sib = workspaceName(dep)
        if (sib !== undefined && !srcAllowed.has(sib)) {
          violations.push(`packages/${pkg}/package.json: ${field} names ${dep}; a layer may depend on @p2p/types only`)
        }
      }
    }
    for (const dep of Object.keys(manifest.devDependencies ?? {})) {
      const sib = workspaceName(dep)
      if (sib !== undefined && !testAllowed.has(sib)) {
        violations.push(`packages/${pkg}/package.json: devDependencies names ${dep}; only @p2p/types, @p2p/compliance-tests and sibling layers are allowed`)
      }
    }
    for (const [sub, allowed] of [['src', srcAllowed], ['test', testAllowed], ['bench', testAllowed]]) {
      for (const file of listFiles(join(dir, sub))) {
        const text = readFileSync(file, 'utf8')
        for (const m of text.matchAll(IMPORT_RE)) {
          const spec = m[1] ?? m[2] ?? m[3] ?? m[4]
          const rel = relative(root, file).split(sep).join('/')
          const sib = workspaceName(spec)
          if (sib !== undefined && sib !== pkg && !allowed.has(sib)) {
            violations.push(`${rel}: imports ${spec}; ${sub === 'src' ? 'shipped code of a layer may import @p2p/types only' : 'tests of a layer may import @p2p/types, @p2p/compliance-tests and sibling layers only'}`)
          }
          if (spec.startsWith('.')) {
            const target = resolve(file, '..', spec)
            if (!target.startsWith(dir + sep)) {
              violations.push(`${rel}: relative import ${spec} reaches outside packages/${pkg}`)
            }
          }
        }
      }
    }
  }
  return violations
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '..', '..'))
  const violations = checkLayering(root)
  if (violations.length > 0) {
    console.error(`layering check failed (${violations.length}):`)
    for (const v of violations) console.error(`  ${v}`)
    process.exit(1)
  }
  console.log('layering check passed: layers import @p2p/types only')
}
