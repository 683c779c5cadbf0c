// What the release scripts share: the publishable packages of the workspace (every
// packages/*/package.json that is not private, so a new package joins by existing), pnpm,
// and reading a packed tarball without unpacking it to disk.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The publishable packages, dependencies before dependents.
 * @returns {{ name: string, version: string, dir: string, short: string, manifest: Record<string, any> }[]}
 */
export function listPackages(root = ROOT) {
  const dir = join(root, 'packages')
  const pkgs = []
  for (const short of readdirSync(dir).sort()) {
    const file = join(dir, short, 'package.json')
    if (!existsSync(file)) continue
    const manifest = JSON.parse(readFileSync(file, 'utf8'))
    if (manifest.private === true) continue
    pkgs.push({ name: manifest.name, version: manifest.version, dir: join(dir, short), short, manifest })
  }
  return topoSort(pkgs)
}

/** Runtime dependency fields: what a consumer's install brings along. */
export const RUNTIME_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies']

/** Names of workspace packages `pkg` needs at run time, directly. */
export function workspaceDeps(pkg, names) {
  const out = new Set()
  for (const field of RUNTIME_FIELDS) {
    for (const dep of Object.keys(pkg.manifest[field] ?? {})) if (names.has(dep)) out.add(dep)
  }
  return [...out]
}

/** `names` plus every workspace package they need at run time, transitively. */
export function closure(names, pkgs) {
  const byName = new Map(pkgs.map((p) => [p.name, p]))
  const all = new Set(byName.keys())
  const out = new Set()
  const visit = (n) => {
    if (out.has(n)) return
    const p = byName.get(n)
    if (p === undefined) throw new Error(`${n} is not a package of this workspace`)
    out.add(n)
    for (const d of workspaceDeps(p, all)) visit(d)
  }
  for (const n of names) visit(n)
  return pkgs.filter((p) => out.has(p.name))
}

function topoSort(pkgs) {
  const names = new Set(pkgs.map((p) => p.name))
  const byName = new Map(pkgs.map((p) => [p.name, p]))
  const out = []
  const state = new Map()
  const visit = (p) => {
    if (state.get(p.name) === 'done') return
    if (state.get(p.name) === 'visiting') throw new Error(`dependency cycle through ${p.name}`)
    state.set(p.name, 'visiting')
    for (const d of workspaceDeps(p, names)) visit(byName.get(d))
    state.set(p.name, 'done')
    out.push(p)
  }
  for (const p of pkgs) visit(p)
  return out
}

/**
 * Runs pnpm: the one running this script when started by `pnpm run`, else the pinned one
 * through scripts/pnpm.mjs (slower: npx each time).
 */
export function pnpm(args, options = {}) {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by `pnpm run`, not a turbo task input
  const execPath = process.env.npm_execpath
  const viaPnpm = execPath !== undefined && /pnpm/.test(execPath)
  const [cmd, argv] = viaPnpm ? [process.execPath, [execPath, ...args]] : [process.execPath, [join(ROOT, 'scripts', 'pnpm.mjs'), ...args]]
  const r = spawnSync(cmd, argv, { encoding: 'utf8', ...options })
  if (r.status !== 0) {
    throw new Error(`pnpm ${args.join(' ')} failed (${r.status}):\n${r.stdout ?? ''}${r.stderr ?? ''}`)
  }
  return r.stdout
}

/**
 * Packs one package with `pnpm pack` (which rewrites `workspace:` ranges to real ones).
 * @returns {string} the tarball's path
 */
export function pack(pkg, dest) {
  pnpm(['-C', pkg.dir, 'pack', '--pack-destination', dest])
  const file = join(dest, `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`)
  if (!existsSync(file)) throw new Error(`pnpm pack did not write ${file}`)
  return file
}

/**
 * The files of a .tgz, paths without the leading `package/`.
 * @returns {Map<string, Buffer>}
 */
export function readTarball(file) {
  const tar = gunzipSync(readFileSync(file))
  const files = new Map()
  let off = 0
  let longName
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512)
    if (header.every((b) => b === 0)) break
    const str = (a, b) => header.subarray(a, b).toString('utf8').replace(/\0.*$/s, '')
    const size = Number.parseInt(str(124, 136).trim() || '0', 8)
    const type = str(156, 157)
    const prefix = str(345, 500)
    let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100))
    longName = undefined
    const body = tar.subarray(off + 512, off + 512 + size)
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '')
    else if (type === '0' || type === '') {
      name = name.replace(/^[^/]+\//, '')
      files.set(name, Buffer.from(body))
    }
    off += 512 + Math.ceil(size / 512) * 512
  }
  return files
}

/**
 * A package that exists only as a name so far: none of its built modules has any code
 * (a types-only entry point with code under subpaths, like @p2p/compliance-tests, is not one).
 */
export function isPlaceholder(files) {
  const modules = [...files].filter(([p]) => p.startsWith('dist/') && /\.m?js$/.test(p))
  return modules.every(([, body]) => {
    const code = body
      .toString('utf8')
      .replace(/\/\/.*$/gm, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .trim()
    return code === 'export {};' || code === ''
  })
}

/** Bare package name of an import specifier, or undefined for relative, absolute and builtin ones. */
export function packageOfSpecifier(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec.startsWith('#')) return undefined
  const parts = spec.split('/')
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}
