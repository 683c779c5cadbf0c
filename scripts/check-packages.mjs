#!/usr/bin/env node
// Is every package publishable as it stands? Packs each one with `pnpm pack` (packages must be
// built first: `pnpm run build`) and checks the tarball a user would get:
//   - metadata: exports (types first, then the ESM entry), files, sideEffects, engines, license,
//     repository, description, publishConfig; a README with an install line and an example;
//     a LICENSE with the text of the license package.json names (pnpm pack copies the
//     workspace root's LICENSE into a package that has none);
//   - publint (strict: warnings fail) and arethetypeswrong (ESM-only profile: node16 from ESM and
//     bundler resolution must be clean);
//   - every module the built code (.js and .d.ts) imports is declared in dependencies,
//     peerDependencies or optionalDependencies (or is a Node builtin);
//   - no runtime dependency that the built code never loads (test-only ones belong in
//     devDependencies), and no test, bench or build-cache files in the tarball.
// A package whose entry point exports nothing yet (a placeholder) gets the metadata checks only.
//
// Usage: node scripts/check-packages.mjs [--keep DIR] [@p2p/name ...]
import { builtinModules } from 'node:module'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { problemAffectsResolutionKind, problemKindInfo } from '@arethetypeswrong/core/problems'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { importSpecifiers, mentionsAsString } from './lib/imports.mjs'
import { isPlaceholder, listPackages, pack, packageOfSpecifier, RUNTIME_FIELDS, readTarball } from './lib/workspace.mjs'
import { metaDifferences } from './package-meta.mjs'

/**
 * Runtime dependencies known to be unused by the built code (test-only ones being moved to
 * devDependencies, or ones declared ahead of the code that uses them) by their owners:
 * reported, not failed. Remove an entry once it is moved
 * (a stale entry is reported too).
 */
export const KNOWN_TEST_ONLY_DEPS = {}

/** Resolution modes a consumer of an ESM-only package uses (arethetypeswrong's `esm-only` profile). */
const RESOLUTIONS = ['node16-esm', 'bundler']
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]))

/** Checks one packed package. @returns {{ errors: string[], warnings: string[], placeholder: boolean }} */
export async function checkTarball(pkg, tarball) {
  const errors = []
  const warnings = []
  const files = readTarball(tarball)
  const manifest = JSON.parse(files.get('package.json').toString('utf8'))
  const placeholder = isPlaceholder(files)

  checkMetadata(pkg, manifest, errors)
  checkReadme(manifest, files.get('README.md')?.toString('utf8'), placeholder ? warnings : errors)
  checkLicense(manifest, files.get('LICENSE')?.toString('utf8'), errors)
  for (const path of files.keys()) {
    if (/(^|\/)(test|tests|bench|__tests__)\//.test(path) || /\.(spec|test|bench)\.[cm]?[jt]s$/.test(path) || path.endsWith('.tsbuildinfo')) {
      errors.push(`tarball contains ${path}: tests, benches and build caches are not published`)
    }
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) errors.push(`packed ${field}.${dep} is still "${range}": pack with pnpm`)
    }
  }

  const buf = readFileSync(tarball)
  const lint = await publint({ pack: { tarball: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }, level: 'suggestion', strict: true })
  for (const m of lint.messages) {
    const text = `publint: ${formatMessage(m, lint.pkg, { color: false })}`
    if (m.type === 'suggestion') warnings.push(text)
    else errors.push(text)
  }

  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(buf)))
  if (analysis.types === false) errors.push('arethetypeswrong: the package ships no types')
  else {
    for (const p of analysis.problems) {
      const affected = RESOLUTIONS.filter((r) => problemAffectsResolutionKind(p, r, analysis))
      if (affected.length === 0) continue
      const where = 'entrypoint' in p ? ` at "${p.entrypoint}"` : ''
      errors.push(`arethetypeswrong: ${problemKindInfo[p.kind].shortDescription}${where} (${affected.join(', ')}): ${problemKindInfo[p.kind].docsUrl}`)
    }
  }

  if (!placeholder) checkImports(manifest, files, errors, warnings)
  return { errors, warnings, placeholder }
}

function checkMetadata(pkg, m, errors) {
  const need = (cond, what) => {
    if (!cond) errors.push(`package.json: ${what}`)
  }
  need(typeof m.description === 'string' && m.description.length > 0, 'needs a description')
  need(m.type === 'module', 'needs "type": "module"')
  need(m.sideEffects === false || Array.isArray(m.sideEffects), 'needs "sideEffects" (false, or the files that have them)')
  need(Array.isArray(m.files) && m.files.includes('dist'), 'needs "files" listing dist')
  const diff = metaDifferences(pkg, m)
  need(diff.length === 0, `${diff.join(', ')} differ from the shared metadata (node scripts/package-meta.mjs --write)`)
  const root = m.exports?.['.']
  need(typeof root === 'object' && root !== null, 'needs exports["."] with "types" and "import"')
  for (const [sub, entry] of Object.entries(m.exports ?? {})) {
    if (typeof entry !== 'object' || entry === null) {
      errors.push(`package.json: exports["${sub}"] must name "types" and "import"`)
      continue
    }
    const keys = Object.keys(entry)
    need(keys[0] === 'types', `exports["${sub}"]: "types" must come first`)
    need(typeof entry.import === 'string' && /\.m?js$/.test(entry.import), `exports["${sub}"] needs an "import" ESM entry`)
  }
}

/** The tarball carries the license its package.json names (only Apache-2.0's text is known). */
function checkLicense(m, text, sink) {
  if (text === undefined) {
    sink.push('LICENSE is missing from the tarball (pnpm pack copies the root LICENSE into a package without one)')
    return
  }
  const known = { 'Apache-2.0': /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/ }
  const expected = known[m.license]
  if (expected !== undefined && !expected.test(text)) sink.push(`LICENSE is not the ${m.license} text that package.json's "license" names`)
}

function checkReadme(m, readme, sink) {
  if (readme === undefined) {
    sink.push('README.md is missing from the tarball')
    return
  }
  const install = new RegExp(`(npm (i|install)|pnpm add|yarn add)[^\\n]*${m.name.replace('/', '\\/')}`)
  if (!install.test(readme)) sink.push(`README.md shows no install line (npm install ${m.name})`)
  const example = /```(ts|typescript|js|javascript)\n[\s\S]*?from '@p2p\/[\s\S]*?```/
  if (!example.test(readme)) sink.push('README.md shows no example (a ```ts block importing the package)')
}

function checkImports(m, files, errors, warnings) {
  const declared = new Set(RUNTIME_FIELDS.flatMap((f) => Object.keys(m[f] ?? {})))
  const code = [...files].filter(([p]) => p.startsWith('dist/') && /\.(m?js|d\.ts)$/.test(p))
  const undeclared = new Map()
  for (const [path, body] of code) {
    for (const spec of importSpecifiers(body.toString('utf8'))) {
      const name = packageOfSpecifier(spec)
      if (name === undefined || name === m.name || BUILTINS.has(name) || declared.has(name)) continue
      if (name === '@types/node' && path.endsWith('.d.ts')) continue
      if (!undeclared.has(name)) undeclared.set(name, path)
    }
  }
  for (const [name, path] of undeclared) {
    errors.push(`${path} imports ${name}, which package.json does not declare (dependencies, peerDependencies or optionalDependencies)`)
  }
  const known = new Set(KNOWN_TEST_ONLY_DEPS[m.name] ?? [])
  for (const dep of known) {
    if (!RUNTIME_FIELDS.some((f) => dep in (m[f] ?? {}))) warnings.push(`KNOWN_TEST_ONLY_DEPS lists ${dep}, which is no longer a runtime dependency: remove the entry`)
  }
  const text = code.map(([, b]) => b.toString('utf8'))
  for (const field of RUNTIME_FIELDS) {
    for (const dep of Object.keys(m[field] ?? {})) {
      const used = text.some((t) => mentionsAsString(t, dep))
      if (used) {
        if (known.has(dep)) warnings.push(`KNOWN_TEST_ONLY_DEPS lists ${dep}, but the built code loads it: remove the entry`)
        continue
      }
      const msg = `${field}.${dep} is never loaded by the built code: a test or bench dependency belongs in devDependencies`
      if (field === 'dependencies' && !known.has(dep)) errors.push(msg)
      else warnings.push(`${msg}${known.has(dep) ? ' (known: listed in KNOWN_TEST_ONLY_DEPS)' : ''}`)
    }
  }
}

async function main() {
  const args = process.argv.slice(2)
  const keepAt = args.indexOf('--keep')
  const keep = keepAt >= 0 ? args.splice(keepAt, 2)[1] : undefined
  const only = new Set(args)
  const pkgs = listPackages().filter((p) => only.size === 0 || only.has(p.name))
  const dest = keep ?? mkdtempSync(join(tmpdir(), 'p2p-check-'))
  let failed = 0
  try {
    for (const pkg of pkgs) {
      const tarball = pack(pkg, dest)
      const { errors, warnings, placeholder } = await checkTarball(pkg, tarball)
      const status = errors.length > 0 ? 'FAIL' : 'ok'
      console.log(`${status.padEnd(4)} ${pkg.name}@${pkg.version}${placeholder ? ' (placeholder: exports nothing yet; metadata checks only)' : ''}`)
      for (const e of errors) console.log(`       error: ${e}`)
      for (const w of warnings) console.log(`       note:  ${w}`)
      if (errors.length > 0) failed++
    }
  } finally {
    if (keep === undefined) rmSync(dest, { recursive: true, force: true })
  }
  if (failed > 0) {
    console.error(`package check failed: ${failed} of ${pkgs.length} packages are not publishable as they stand`)
    process.exit(1)
  }
  console.log(`package check passed: ${pkgs.length} packages (publint, arethetypeswrong, metadata, declared imports)`)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
