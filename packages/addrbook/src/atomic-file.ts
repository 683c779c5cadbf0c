import { randomBytes } from 'node:crypto'
import { open, readdir, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Prefix of our temporary files next to `path`: `.addrbook.json.tmp-<pid>-<hex>`. */
function tempPrefix(path: string): string {
  return `.${basename(path)}.tmp-`
}

/**
 * Replaces `path` with `data` so that a reader (or a restart after a crash at any instant) sees
 * either the old file or the new one, never a mix: write a temporary file in the same directory,
 * fsync it, rename it over `path`, then fsync the directory so the rename itself is durable.
 * Go's `tempfile.WriteFileAtomic` does the same without either fsync.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}-${randomBytes(6).toString('hex')}`)
  const fh = await open(tmp, 'wx', mode)
  try {
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  await syncDirectory(dir)
}

async function syncDirectory(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // Some platforms and file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    await fh?.close().catch(() => {})
  }
}

/** Removes temporary files a killed writer left next to `path`; returns how many. */
export async function removeStaleTempFiles(path: string): Promise<number> {
  const prefix = tempPrefix(path)
  let names: string[]
  try {
    names = await readdir(dirname(path))
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    try {
      await unlink(join(dirname(path), name))
      removed++
    } catch {
      // already gone, or not ours to remove
    }
  }
  return removed
}

/** Renames an unreadable file to `<path>.corrupt-<timestamp>` and returns the new name. */
export async function moveAside(path: string, now: number): Promise<string> {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-')
  for (let n = 0; ; n++) {
    const target = n === 0 ? `${path}.corrupt-${stamp}` : `${path}.corrupt-${stamp}-${n}`
    let reserved = false
    try {
      // reserve the name first: rename would silently replace an earlier corrupt copy
      await (await open(target, 'wx')).close()
      reserved = true
      await rename(path, target)
      return target
    } catch (err) {
      if (reserved) await unlink(target).catch(() => {})
      if (!reserved && (err as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) continue
      throw err
    }
  }
}
