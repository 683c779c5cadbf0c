#!/usr/bin/env node
// The proof that each layer installs and works on its own, outside this workspace.
//
// Packs every package (`pnpm pack`, which turns `workspace:^` into real ranges), then in one
// temp folder outside the repository makes empty npm projects that install only the tarballs a
// user would name, plus their public npm dependencies (npm cache first, registry if missing).
// Our own packages never come from the network: every @p2p package is pinned to its tarball
// with `overrides`, and the @p2p scope points at a dead registry, so a miss fails loudly.
//
// Projects:
//   - one per package ("alone:<pkg>"): installs that package only, imports every export
//     subpath at run time (an import the package does not declare fails here, as nothing else
//     is installed beside it), and compiles a consumer file with `tsc` under `strict`
//     (with skipLibCheck off, so the published .d.ts files are checked too);
//   - every scenario under scripts/pack-install/<name>/ (scenario.json + *.ts): installs the
//     packages it lists, compiles its TypeScript with `tsc` (strict), then runs it.
// A package that exports nothing yet (a placeholder) and the scenarios that need it are
// skipped, and say so; they join by themselves once the package has code.
//
// Usage: node scripts/pack-install.mjs [--keep] [--only NAME[,NAME]]
//   --keep  leaves the temp folder for inspection; --only runs the named projects.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { isPlaceholder, listPackages, pack, ROOT, readTarball } from './lib/workspace.mjs'

const SCENARIOS = join(ROOT, 'scripts', 'pack-install')
const CONCURRENCY = 2
const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
/** What a TypeScript consumer brings itself: the compiler and Node's types, same ranges as ours. */
const CONSUMER_DEV_DEPS = {
  typescript: rootManifest.devDependencies.typescript,
  '@types/node': rootManifest.devDependencies['@types/node']
}
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'out',
    noEmitOnError: true
  },
  include: ['*.ts']
}

function run(cmd, args, cwd, env = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    // pnpm run -s sets npm_config_reporter, which the npm in these projects warns about
    const { npm_config_reporter: _, ...inherited } = process.env
    const child = spawn(cmd, args, { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stdout = ''
    child.stdout.on('data', (d) => {
      out += d
      stdout += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    child.on('close', (code) => resolve({ code, out, stdout, ms: performance.now() - t0 }))
    child.on('error', (err) => resolve({ code: -1, out: String(err), stdout, ms: performance.now() - t0 }))
  })
}

/** Subpaths a consumer can import, with "./*" patterns expanded from the tarball's files. */
function exportSubpaths(pkg, files) {
  const out = []
  for (const [sub, entry] of Object.entries(pkg.manifest.exports ?? { '.': {} })) {
    if (sub === './package.json') continue
    if (!sub.includes('*')) {
      out.push(sub)
      continue
    }
    const target = typeof entry === 'string' ? entry : (entry.import ?? entry.default)
    const [before, after] = target.replace(/^\.\//, '').split('*')
    for (const file of files.keys()) {
      if (file.length > before.length + after.length && file.startsWith(before) && file.endsWith(after)) {
        const star = file.slice(before.length, file.length - after.length)
        if (!star.includes('/')) out.push(sub.replace('*', star))
      }
    }
  }
  return out.map((s) => (s === '.' ? pkg.name : `${pkg.name}/${s.replace(/^\.\//, '')}`))
}

function aloneProject(pkg, files) {
  const specs = exportSubpaths(pkg, files)
  const imports = specs.map((s, i) => `import * as m${i} from '${s}'`).join('\n')
  const main = `${imports}

// Every export subpath loads with only this package (and what it declares) installed.
const modules: Record<string, object> = { ${specs.map((s, i) => `'${s}': m${i}`).join(', ')} }
for (const [name, mod] of Object.entries(modules)) {
  const names = Object.keys(mod)
  console.log(\`\${name}: \${names.length} runtime exports\`)
}
`
  return { name: `alone:${pkg.short}`, description: `${pkg.name} alone: every export subpath loads and type-checks`, install: [pkg.name], files: { 'main.ts': main }, run: 'out/main.js', commands: [] }
}

function scenarioProjects() {
  if (!existsSync(SCENARIOS)) return []
  return readdirSync(SCENARIOS)
    .filter((d) => existsSync(join(SCENARIOS, d, 'scenario.json')))
    .sort()
    .map((d) => {
      const dir = join(SCENARIOS, d)
      const spec = JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8'))
      const files = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]))
      // The alone: projects already compile every published .d.ts (skipLibCheck off); here
      // only the scenario's own code is checked against them, which is much faster.
      return { name: d, description: spec.description, install: spec.install, files, run: spec.run ?? 'out/main.js', commands: spec.commands ?? [], skipLibCheck: true }
    })
}

async function buildAndRun(project, dir, tarballs) {
  mkdirSync(dir, { recursive: true })
  const dependencies = Object.fromEntries(project.install.map((n) => [n, `file:${tarballs.get(n)}`]))
  const overrides = Object.fromEntries([...tarballs].map(([n, t]) => [n, `file:${t}`]))
  const manifest = { name: `consumer-${project.name.replace(/[^a-z0-9-]/g, '-')}`, private: true, type: 'module', dependencies, devDependencies: CONSUMER_DEV_DEPS, overrides }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  // A dead registry for our scope: an @p2p package not pinned to a tarball cannot be fetched.
  writeFileSync(join(dir, '.npmrc'), '@p2p:registry=http://127.0.0.1:9/\naudit=false\nfund=false\nupdate-notifier=false\npackage-lock=false\n')
  const tsconfig = { ...TSCONFIG, compilerOptions: { ...TSCONFIG.compilerOptions, skipLibCheck: project.skipLibCheck ?? false } }
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`)
  for (const [f, text] of Object.entries(project.files)) writeFileSync(join(dir, f), text)

  const steps = []
  const step = async (label, cmd, args) => {
    const r = await run(cmd, args, dir)
    steps.push(`${label} ${(r.ms / 1000).toFixed(1)}s`)
    if (r.code !== 0) throw new Error(`${label} failed (exit ${r.code}): ${cmd} ${args.join(' ')}\n${r.out.trim()}`)
    return r.stdout
  }
  await step('install', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'])
  for (const name of project.install) {
    if (!existsSync(join(dir, 'node_modules', ...name.split('/'), 'package.json'))) throw new Error(`${name} was not installed`)
  }
  await step('tsc', process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'])
  const out = await step('run', process.execPath, [project.run])
  for (const c of project.commands) {
    const text = await step(c.label ?? c.args.join(' '), c.cmd, c.args)
    if (c.expect !== undefined && !new RegExp(c.expect).test(text)) throw new Error(`${c.label}: output does not match /${c.expect}/:\n${text}`)
  }
  return { steps, out }
}

async function main() {
  const args = process.argv.slice(2)
  const keep = args.includes('--keep')
  const onlyAt = args.indexOf('--only')
  const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : undefined
  const temp = realpathSync(mkdtempSync(join(tmpdir(), 'p2p-pack-install-')))
  if (!relative(ROOT, temp).startsWith('..')) throw new Error(`the temp folder ${temp} must be outside the workspace`)
  const t0 = performance.now()
  let failed = 0
  try {
    const tarDir = join(temp, 'tarballs')
    mkdirSync(tarDir)
    const pkgs = listPackages()
    const tarballs = new Map()
    const placeholders = new Set()
    const projects = []
    for (const pkg of pkgs) {
      const file = pack(pkg, tarDir)
      tarballs.set(pkg.name, file)
      const files = readTarball(file)
      if (isPlaceholder(files)) placeholders.add(pkg.name)
      else projects.push(aloneProject(pkg, files))
    }
    console.log(`packed ${pkgs.length} packages into ${tarDir}${placeholders.size > 0 ? ` (placeholders, skipped: ${[...placeholders].join(', ')})` : ''}`)
    projects.push(...scenarioProjects())
    const queue = projects.filter((p) => only === undefined || only.has(p.name))
    const results = []
    const worker = async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        const waiting = p.install.filter((n) => placeholders.has(n) || !tarballs.has(n))
        if (waiting.length > 0) {
          results.push({ p, skipped: `waits for ${waiting.join(', ')} (not implemented yet)` })
          continue
        }
        try {
          results.push({ p, ...(await buildAndRun(p, join(temp, p.name.replace(':', '-')), tarballs)) })
        } catch (err) {
          results.push({ p, error: err })
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    for (const r of results.sort((a, b) => a.p.name.localeCompare(b.p.name))) {
      if (r.skipped !== undefined) {
        console.log(`skip ${r.p.name}: ${r.skipped}`)
      } else if (r.error !== undefined) {
        failed++
        console.log(`FAIL ${r.p.name}: ${r.p.description}\n${String(r.error.message).replace(/^/gm, '     ')}`)
      } else {
        console.log(`ok   ${r.p.name}: ${r.p.description} (${r.steps.join(', ')})`)
        for (const line of r.out.trim().split('\n')) if (line !== '') console.log(`       ${line}`)
      }
    }
  } finally {
    if (keep) console.log(`kept ${temp}`)
    else rmSync(temp, { recursive: true, force: true })
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(0)
  if (failed > 0) {
    console.error(`pack-and-install failed: ${failed} project(s), ${secs}s`)
    process.exit(1)
  }
  console.log(`pack-and-install passed in ${secs}s: each package installs from its tarball alone, outside the workspace`)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
