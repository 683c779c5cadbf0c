import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** One file the HTTP API serves as is. */
export interface StaticAsset {
  readonly body: Buffer
  readonly contentType: string
}

/**
 * The page's files, by URL path. The set is fixed here: a request path is only ever looked up
 * in this map, never joined to a directory, so no path can reach another file.
 */
const PAGE_FILES: ReadonlyArray<readonly [urlPath: string, file: string, contentType: string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/index.html', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/style.css', 'style.css', 'text/css; charset=utf-8'],
  ['/example-crawl.json', 'example-crawl.json', 'application/json']
]

/** The graph library, from this package's own dependency: the page works offline, no CDN. */
const VENDOR_PATH = '/vendor/cytoscape.min.js'

/** `packages/node/public/`, from both `src/observability/` (tests) and `dist/observability/`. */
export function publicDir(): string {
  return fileURLToPath(new URL('../../public/', import.meta.url))
}

/** Where the installed cytoscape's browser build is. */
export function cytoscapePath(): string {
  return createRequire(import.meta.url).resolve('cytoscape/dist/cytoscape.min.js')
}

/** Reads the page and the vendored library into memory (about 450 KB), once, at start. */
export async function loadStaticAssets(dir = publicDir()): Promise<Map<string, StaticAsset>> {
  const assets = new Map<string, StaticAsset>()
  for (const [urlPath, file, contentType] of PAGE_FILES) {
    assets.set(urlPath, { body: await readFile(`${dir}${file}`), contentType })
  }
  assets.set(VENDOR_PATH, { body: await readFile(cytoscapePath()), contentType: 'text/javascript; charset=utf-8' })
  return assets
}
