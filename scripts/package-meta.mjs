#!/usr/bin/env node
// The metadata every published package shares, taken from the root package.json (one place
// to change the repository): repository (with the package's directory), homepage, bugs,
// license, engines, publishConfig. `node scripts/package-meta.mjs --write` adds or corrects
// these fields in every packages/*/package.json, leaving every other field alone;
// scripts/check-packages.mjs fails when one differs.
import { readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { listPackages, ROOT } from './lib/workspace.mjs'

/** The shared fields `pkg`'s package.json must have, in the order they are written. */
export function expectedMeta(pkg, root = ROOT) {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const url = rootManifest.repository?.url
  if (typeof url !== 'string') throw new Error('the root package.json needs repository.url')
  const web = url.replace(/^git\+/, '').replace(/\.git$/, '')
  const directory = relative(root, pkg.dir).split('\\').join('/')
  return {
    license: rootManifest.license ?? 'Apache-2.0',
    repository: { type: 'git', url, directory },
    homepage: `${web}/tree/main/${directory}#readme`,
    bugs: { url: `${web}/issues` },
    engines: rootManifest.engines,
    publishConfig: { access: 'public', provenance: true }
  }
}

/** Fields of `manifest` that differ from `expectedMeta`. */
export function metaDifferences(pkg, manifest, root = ROOT) {
  const want = expectedMeta(pkg, root)
  return Object.keys(want).filter((k) => JSON.stringify(manifest[k]) !== JSON.stringify(want[k]))
}

function write() {
  let changed = 0
  for (const pkg of listPackages()) {
    const file = join(pkg.dir, 'package.json')
    const manifest = JSON.parse(readFileSync(file, 'utf8'))
    if (metaDifferences(pkg, manifest).length === 0) continue
    const want = expectedMeta(pkg)
    // Keep the existing key order; new keys go after "license" (or "description").
    const out = {}
    const anchor = 'license' in manifest ? 'license' : 'description'
    for (const [k, v] of Object.entries(manifest)) {
      out[k] = k in want ? want[k] : v
      if (k === anchor) for (const w of Object.keys(want)) if (!(w in manifest)) out[w] = want[w]
    }
    for (const w of Object.keys(want)) if (!(w in out)) out[w] = want[w]
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`)
    console.log(`updated ${relative(ROOT, file)}`)
    changed++
  }
  console.log(`${changed} package.json file(s) updated`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--write')) write()
  else {
    let bad = 0
    for (const pkg of listPackages()) {
      const diff = metaDifferences(pkg, pkg.manifest)
      if (diff.length > 0) {
        console.log(`${pkg.name}: ${diff.join(', ')} differ (run node scripts/package-meta.mjs --write)`)
        bad++
      }
    }
    if (bad > 0) process.exit(1)
    console.log('package metadata matches the root package.json')
  }
}
