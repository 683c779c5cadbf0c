#!/usr/bin/env node
// The API reference, generated from the sources' TSDoc with typedoc: one Markdown page per
// package under docs/api/ (docs/api/README.md lists them). Entry points come from each
// package's `exports` (so a new package, or a new subpath, joins by itself).
//
// Every exported name must be documented: any typedoc warning (a missing doc comment, a link
// that does not resolve, a referenced type that is not exported, an unknown tag) fails the run,
// in every package and entry point, a new one included. An entry point that cannot be finished
// in time may be listed in REPORT_ONLY: its warnings are then printed but do not fail the run.
//
// Usage: node scripts/api-docs.mjs [--check] [--out DIR]
//   default  writes docs/api/
//   --check  builds into a temp folder, fails on warnings outside REPORT_ONLY, and says whether
//            the committed docs/api/ is up to date (a stale docs/api/ is a note, not a failure)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Application, LogLevel } from 'typedoc'
import { listPackages, ROOT } from './lib/workspace.mjs'

/**
 * The exceptions to "every exported name documented": `true` for a whole package, or the source
 * paths (prefixes relative to the package; `dir/*` for the files directly in `dir`) of the entry
 * points whose typedoc warnings are reported without failing the run. Empty: every package and
 * entry point is held to it. Add to it only with a reason, and take it out again soon.
 */
export const REPORT_ONLY = {}

/**
 * Whether typedoc's warning `text`, from converting `pkg`, fails the run: it does unless it comes
 * from code listed in `reportOnly` (default {@link REPORT_ONLY}). A warning that names no source
 * file (a link that does not resolve) fails unless the whole package is report-only.
 */
export function isStrict(pkg, text, reportOnly = REPORT_ONLY) {
  const rule = reportOnly[pkg.name]
  if (rule === undefined) return true
  if (rule === true) return false
  // "defined in @p2p/x/src/a.ts" (validation) or "./packages/x/src/a.ts:1:2 - [warning]" (comments)
  const m = /defined in @p2p\/[^/]+\/(\S+?),/.exec(text) ?? /\.\/packages\/[^/]+\/(\S+?):\d+/.exec(text)
  if (m === null) return true
  const listed = rule.some((p) => (p.endsWith('/*') ? m[1].startsWith(p.slice(0, -1)) && !m[1].slice(p.length - 1).includes('/') : m[1].startsWith(p)))
  return !listed
}

/**
 * Names typedoc cannot see the docs of, with the reason. `Partial<Startable>` turns the
 * documented `Startable.start`/`stop` into new optional properties without their comments.
 */
const INTENTIONALLY_UNDOCUMENTED = {
  '@p2p/types': ['AddrBook.start', 'AddrBook.stop', 'Reactor.start', 'Reactor.stop']
}

const API_DIR = join(ROOT, 'docs', 'api')
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes in typedoc's messages
const ANSI = /\x1B\[[0-9;]*m/g

/** Source entry points of a package: each `exports` subpath mapped from dist/*.js to src/*.ts. */
export function sourceEntryPoints(pkg) {
  const out = []
  for (const entry of Object.values(pkg.manifest.exports ?? {})) {
    const target = typeof entry === 'string' ? entry : (entry.import ?? entry.default)
    if (typeof target !== 'string' || !target.startsWith('./dist/')) continue
    const src = target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')
    if (!src.includes('*')) {
      if (existsSync(join(pkg.dir, src))) out.push(join(pkg.dir, src))
      continue
    }
    const [before, after] = src.split('*')
    const base = join(pkg.dir, before)
    for (const name of existsSync(base) ? readdirSync(base).sort() : []) {
      if (!name.includes('/') && existsSync(join(base, name + after))) out.push(join(base, name + after))
    }
  }
  return out
}

/** The page of a package in docs/api/ (typedoc-plugin-markdown, flattened output). */
export function pageOf(name) {
  return `${name.replace('/', '.')}.md`
}

/**
 * Where links into a sibling package go: the symbol's anchor on its page when that package was
 * converted already (dependencies come first), else the page.
 */
const linkMappings = Object.fromEntries(listPackages().map((p) => [p.name, { '*': pageOf(p.name) }]))

function addAnchors(pkg, jsonFile) {
  const project = JSON.parse(readFileSync(jsonFile, 'utf8'))
  const MODULE = 2 // typedoc's ReflectionKind.Module: a package with several entry points
  for (const child of project.children ?? []) {
    if (child.kind === MODULE) {
      // flattened pages of a module: @p2p.types.index.md; the root entry point's names win
      for (const c of child.children ?? []) {
        if (child.name === 'index' || linkMappings[pkg.name][c.name] === undefined) {
          linkMappings[pkg.name][c.name] = `${pageOf(pkg.name).replace(/\.md$/, '')}.${child.name}.md#${c.name.toLowerCase()}`
        }
      }
    } else {
      // typedoc-plugin-markdown's anchors: the lower-cased name
      linkMappings[pkg.name][child.name] = `${pageOf(pkg.name)}#${child.name.toLowerCase()}`
    }
  }
}

async function convertPackage(pkg, jsonOut) {
  const app = await Application.bootstrapWithPlugins({
    entryPoints: sourceEntryPoints(pkg),
    entryPointStrategy: 'resolve',
    tsconfig: join(pkg.dir, 'tsconfig.json'),
    name: pkg.name,
    readme: 'none',
    excludePrivate: true,
    excludeInternal: true,
    excludeExternals: true,
    disableSources: true,
    skipErrorChecking: true,
    validation: { notDocumented: true, notExported: true, invalidLink: true },
    // "exported names": what a consumer imports; members are documented where it helps
    // with several entry points typedoc names the root one's module "index"
    intentionallyNotDocumented: (INTENTIONALLY_UNDOCUMENTED[pkg.name] ?? []).map((n) => (sourceEntryPoints(pkg).length > 1 ? `index.${n}` : n)),
    requiredToBeDocumented: ['Class', 'Interface', 'Function', 'Variable', 'TypeAlias', 'Enum', 'Namespace'],
    // links into a sibling (e.g. `{@link ConnectionClosedError}` from @p2p/types) go to its page
    externalSymbolLinkMappings: linkMappings,
    logLevel: 'Warn'
  })
  const messages = []
  app.logger.log = (message, level) => {
    if (level >= LogLevel.Warn) messages.push({ level: LogLevel[level], text: message.replace(ANSI, '') })
  }
  const project = await app.convert()
  if (project === undefined) throw new Error(`typedoc could not convert ${pkg.name}:\n${messages.map((m) => m.text).join('\n')}`)
  app.validate(project)
  await app.generateJson(project, jsonOut)
  return messages
}

async function render(jsons, out) {
  const app = await Application.bootstrapWithPlugins({
    entryPoints: jsons,
    entryPointStrategy: 'merge',
    plugin: ['typedoc-plugin-markdown'],
    out,
    name: '@p2p API reference',
    readme: 'none',
    outputFileStrategy: 'modules',
    entryFileName: 'README.md',
    flattenOutputFiles: true,
    hidePageHeader: true,
    hideBreadcrumbs: true,
    disableSources: true,
    cleanOutputDir: true,
    logLevel: 'Warn'
  })
  const project = await app.convert()
  if (project === undefined) throw new Error('typedoc could not merge the packages')
  await app.generateOutputs(project)
}

function listFiles(dir, base = dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name))]))
}

async function main() {
  const args = process.argv.slice(2)
  const check = args.includes('--check')
  const outAt = args.indexOf('--out')
  const temp = mkdtempSync(join(tmpdir(), 'p2p-api-'))
  const out = outAt >= 0 ? args[outAt + 1] : check ? join(temp, 'api') : API_DIR
  let failed = 0
  try {
    const jsons = []
    for (const pkg of listPackages()) {
      const entries = sourceEntryPoints(pkg)
      if (entries.every((e) => /^\s*export\s*\{\s*\}\s*;?\s*$/.test(readFileSync(e, 'utf8')))) {
        console.log(`skip ${pkg.name}: exports nothing yet`)
        continue
      }
      const json = join(temp, `${pkg.short}.json`)
      const messages = await convertPackage(pkg, json)
      addAnchors(pkg, json)
      jsons.push(json)
      const strict = messages.filter((m) => isStrict(pkg, m.text))
      const status = messages.length === 0 ? 'ok  ' : strict.length > 0 ? 'FAIL' : 'note'
      const rule = REPORT_ONLY[pkg.name]
      const scope = rule === undefined ? 'strict' : rule === true ? 'report-only: listed in REPORT_ONLY in scripts/api-docs.mjs' : `report-only for ${rule.join(', ')} (REPORT_ONLY); strict elsewhere`
      console.log(`${status} ${pkg.name}: ${messages.length === 0 ? 'every exported name documented' : `${messages.length} typedoc warning(s), ${strict.length} in strict code (${scope})`}`)
      for (const m of messages) console.log(`       ${strict.includes(m) ? 'error: ' : ''}${m.text.split('\n')[0]}`)
      if (strict.length > 0) failed++
    }
    await render(jsons, out)
    const index = join(out, 'README.md')
    const text = readFileSync(index, 'utf8').replace(/\n/, '\n\nGenerated from the TSDoc in the sources by `node scripts/pnpm.mjs run docs:api` (scripts/api-docs.mjs); do not edit by hand. One page per package.\n')
    writeFileSync(index, text)
    console.log(`api reference: ${listFiles(out).filter((f) => f.endsWith('.md')).length} pages in ${check ? 'a temp folder' : relative(ROOT, out)}`)
    if (check) {
      const a = listFiles(out).sort()
      const b = listFiles(API_DIR).sort()
      const same = JSON.stringify(a) === JSON.stringify(b) && a.every((f) => readFileSync(join(out, f), 'utf8') === readFileSync(join(API_DIR, f), 'utf8'))
      console.log(same ? 'docs/api is up to date' : 'note: docs/api differs from the sources (run `pnpm run docs:api` and commit it)')
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
  if (failed > 0) {
    console.error(`api reference failed: ${failed} package(s) have undocumented exports or broken links in code not listed in REPORT_ONLY`)
    process.exit(1)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
