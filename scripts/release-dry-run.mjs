#!/usr/bin/env node
// A release rehearsal that publishes nothing and never touches the real .changeset files:
// copies the workspace manifests, READMEs, sources and built dist/ into a temp folder and there
//   1. runs `changeset version` on the pending changesets and prints each package's new version;
//   2. packs every package (`pnpm pack`) and checks that each packed @p2p dependency range
//      accepts the version just given to that dependency;
//   3. proves packages version independently: from the released state, a patch changeset for
//      @p2p/addrbook alone bumps @p2p/addrbook alone, and a minor one for @p2p/types bumps
//      exactly the packages whose dependency range on it no longer holds.
// Packages must be built first (`pnpm run build`).
//
// Usage: node scripts/release-dry-run.mjs [--keep]
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { listPackages, pack, ROOT, readTarball, RUNTIME_FIELDS } from './lib/workspace.mjs'

const CHANGESET_BIN = join(ROOT, 'node_modules', '@changesets', 'cli', 'bin.js')

/** Whether `version` satisfies `range` for the plain ranges pnpm pack writes (^x.y.z, ~x.y.z, x.y.z, *). */
export function satisfies(version, range) {
  const parse = (v) => v.split('.').map((n) => Number.parseInt(n, 10))
  const r = range.trim()
  if (r === '*' || r === '') return true
  const op = /^[\^~]/.test(r) ? r[0] : ''
  const [M, m, p] = parse(r.slice(op.length))
  const [vM, vm, vp] = parse(version)
  const ge = vM > M || (vM === M && (vm > m || (vm === m && vp >= p)))
  if (!ge) return false
  if (op === '') return vM === M && vm === m && vp === p
  if (op === '~') return vM === M && vm === m
  if (M > 0) return vM === M
  if (m > 0) return vM === 0 && vm === m
  return vM === 0 && vm === 0 && vp === p
}

function copyWorkspace(dest) {
  for (const f of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(ROOT, f), join(dest, f))
  cpSync(join(ROOT, '.changeset'), join(dest, '.changeset'), { recursive: true })
  for (const member of ['examples']) {
    if (existsSync(join(ROOT, member, 'package.json'))) {
      mkdirSync(join(dest, member))
      cpSync(join(ROOT, member, 'package.json'), join(dest, member, 'package.json'))
    }
  }
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    const from = join(ROOT, 'packages', pkg)
    if (!existsSync(join(from, 'package.json'))) continue
    for (const entry of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist', 'src']) {
      if (existsSync(join(from, entry))) cpSync(join(from, entry), join(dest, 'packages', pkg, entry), { recursive: true })
    }
  }
  // changesets loads its changelog generator from here; nothing is installed into the copy.
  symlinkSync(join(ROOT, 'node_modules'), join(dest, 'node_modules'), 'dir')
  // pnpm pack reads each workspace dependency's version through the package's node_modules
  // link, as `pnpm install` would have made it: link the copies to each other.
  const pkgs = listPackages(dest)
  const dirs = new Map(pkgs.map((p) => [p.name, p.dir]))
  for (const p of pkgs) {
    for (const field of [...RUNTIME_FIELDS, 'devDependencies']) {
      for (const dep of Object.keys(p.manifest[field] ?? {})) {
        const target = dirs.get(dep)
        if (target === undefined) continue
        const link = join(p.dir, 'node_modules', ...dep.split('/'))
        if (existsSync(link)) continue
        mkdirSync(dirname(link), { recursive: true })
        symlinkSync(target, link, 'dir')
      }
    }
  }
}

function versions(dir) {
  return new Map(listPackages(dir).map((p) => [p.name, p.version]))
}

function changesetVersion(dir) {
  const r = spawnSync(process.execPath, [CHANGESET_BIN, 'version'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } })
  if (r.status !== 0) throw new Error(`changeset version failed:\n${r.stdout}${r.stderr}`)
}

function pendingChangesets(dir) {
  return readdirSync(join(dir, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')
}

function writeChangeset(dir, name, bumps) {
  const head = Object.entries(bumps)
    .map(([n, b]) => `"${n}": ${b}`)
    .join('\n')
  writeFileSync(join(dir, '.changeset', `${name}.md`), `---\n${head}\n---\n\nRelease rehearsal (${name}).\n`)
}

/** Packages whose version changed between two `versions()` maps. */
function changed(before, after) {
  return [...after].filter(([n, v]) => before.get(n) !== v).map(([n]) => n)
}

/**
 * The packages a bump of `bumped` must drag along, from the manifests as they were: those
 * whose runtime range on a bumped package (as pnpm pack writes it) refuses its new version.
 */
function expectedBumps(pkgs, bumped, after) {
  const version = new Map(pkgs.map((p) => [p.name, p.version]))
  const out = new Set(bumped)
  for (let grew = true; grew; ) {
    grew = false
    for (const p of pkgs) {
      if (out.has(p.name)) continue
      const ranges = RUNTIME_FIELDS.flatMap((f) => Object.entries(p.manifest[f] ?? {}))
      const broken = ranges.some(([dep, range]) => {
        if (!out.has(dep)) return false
        const r = String(range).replace(/^workspace:/, '')
        return !satisfies(after.get(dep), r === '^' || r === '~' ? `${r}${version.get(dep)}` : r)
      })
      if (broken) {
        out.add(p.name)
        grew = true
      }
    }
  }
  return [...out]
}

function rehearse(dir, label, bumps) {
  const pkgs = listPackages(dir)
  const before = versions(dir)
  writeChangeset(dir, label, bumps)
  changesetVersion(dir)
  const after = versions(dir)
  const got = changed(before, after).sort()
  const want = expectedBumps(pkgs, Object.keys(bumps), after).sort()
  const ok = JSON.stringify(got) === JSON.stringify(want)
  const shown = got.map((n) => `${n} ${before.get(n)} -> ${after.get(n)}`).join(', ')
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${Object.entries(bumps).map(([n, b]) => `${b} ${n}`).join(', ')} bumps ${shown || 'nothing'}`)
  if (!ok) console.log(`     expected exactly: ${want.join(', ')}`)
  return ok
}

function main() {
  const keep = process.argv.includes('--keep')
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'p2p-release-')))
  let ok = true
  try {
    const config = JSON.parse(readFileSync(join(ROOT, '.changeset', 'config.json'), 'utf8'))
    if ((config.fixed ?? []).length > 0 || (config.linked ?? []).length > 0) {
      console.log('FAIL .changeset/config.json groups packages (fixed/linked): packages must version independently')
      ok = false
    }
    copyWorkspace(dir)
    const pending = pendingChangesets(dir)
    const before = versions(dir)
    changesetVersion(dir)
    const after = versions(dir)
    console.log(`changeset version (${pending.length} pending changesets, in a temp copy):`)
    for (const [name, v] of after) console.log(`  ${name.padEnd(24)} ${before.get(name)}${before.get(name) === v ? ' (unchanged)' : ` -> ${v}`}`)
    if (pendingChangesets(dir).length !== 0) {
      console.log('FAIL changeset version left changesets behind')
      ok = false
    }

    const tarDir = join(dir, '.tarballs')
    mkdirSync(tarDir)
    for (const pkg of listPackages(dir)) {
      const manifest = JSON.parse(readTarball(pack(pkg, tarDir)).get('package.json').toString('utf8'))
      const bad = []
      for (const field of RUNTIME_FIELDS) {
        for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
          if (!after.has(dep)) continue
          if (!satisfies(after.get(dep), range)) bad.push(`${field}.${dep} "${range}" refuses ${after.get(dep)}`)
        }
      }
      if (manifest.version !== after.get(pkg.name)) bad.push(`packed version ${manifest.version}, expected ${after.get(pkg.name)}`)
      if (bad.length > 0) {
        ok = false
        console.log(`FAIL pack ${pkg.name}: ${bad.join('; ')}`)
      }
    }
    console.log(`packed ${listPackages(dir).length} packages at their new versions; every @p2p range accepts the version released beside it`)

    // Independence, from the released state: nothing pending now.
    for (const f of pendingChangesets(dir)) unlinkSync(join(dir, '.changeset', f))
    ok = rehearse(dir, 'patch-one-layer', { '@p2p/addrbook': 'patch' }) && ok
    ok = rehearse(dir, 'minor-types', { '@p2p/types': 'minor' }) && ok
  } finally {
    if (keep) console.log(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
  if (!ok) {
    console.error('release dry run failed')
    process.exit(1)
  }
  console.log('release dry run passed: versioned and packed in a temp copy; packages version independently; nothing published')
}

if (import.meta.url === `file://${process.argv[1]}`) main()
