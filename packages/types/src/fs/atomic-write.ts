import { randomBytes } from 'node:crypto'
import { link, lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** File mode. Default 0o600. */
  mode?: number
  /** Mode of parent directories created on the way. Default 0o700 (Go's `DefaultDirPerm`). */
  dirMode?: number
  /**
   * Only create the file: when it already exists, leave it and return false. Published with
   * `link(2)`, which fails when the target exists, so two writers cannot overwrite each other.
   */
  exclusive?: boolean
}

/** Prefix of the temporary files next to `path`: `.<name>.tmp-<pid>-<hex>`. */
function tempPrefix(path: string): string {
  return `.${basename(path)}.tmp-`
}

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined
}

/** Makes a rename durable; some platforms (Windows) and file systems cannot fsync a directory. */
async function syncDir(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch (err) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'EBADF', 'ENOTSUP'].includes(code(err) ?? '')) throw err
  } finally {
    await fh?.close()
  }
}

/**
 * Writes `data` to `path` so that readers see either the old file or the complete new one,
 * even after a crash: a temporary file in the same directory is written, fsynced and renamed
 * over `path` (or linked, when `exclusive`), then the directory is fsynced. The temporary file is
 * removed on every path out.
 *
 * @returns true when the file was written; false only with `exclusive` when `path` existed
 * @throws the `node:fs` error of the failing step (e.g. `EACCES`, `EISDIR`)
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {}
): Promise<boolean> {
  const mode = options.mode ?? 0o600
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o700 })
  const tmp = join(dir, `${tempPrefix(path)}${process.pid}-${randomBytes(8).toString('hex')}`)
  try {
    const fh = await open(tmp, 'wx', mode)
    try {
      // The umask may have removed bits from `mode`; the file must end up with exactly `mode`.
      await fh.chmod(mode)
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    if (options.exclusive === true) {
      try {
        await link(tmp, path)
      } catch (err) {
        if (code(err) === 'EEXIST') return false
        // File systems without hard links: fall back to check-then-rename.
        if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP'].includes(code(err) ?? '')) throw err
        const exists = await lstat(path).then(
          () => true,
          (e: unknown) => {
            if (code(e) === 'ENOENT') return false
            throw e
          }
        )
        if (exists) return false
        await rename(tmp, path)
      }
    } else {
      await rename(tmp, path)
    }
  } finally {
    await rm(tmp, { force: true })
  }
  await syncDir(dir)
  return true
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

/**
 * Renames an unreadable file to `<path>.corrupt-<timestamp>` (the name reserved first, so an
 * earlier corrupt copy is never replaced) and returns the new name.
 */
export async function moveAside(path: string, now: number): Promise<string> {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-')
  for (let n = 0; ; n++) {
    const target = n === 0 ? `${path}.corrupt-${stamp}` : `${path}.corrupt-${stamp}-${n}`
    let reserved = false
    try {
      await (await open(target, 'wx')).close()
      reserved = true
      await rename(path, target)
      return target
    } catch (err) {
      if (reserved) await unlink(target).catch(() => {})
      if (!reserved && code(err) === 'EEXIST' && n < 100) continue
      throw err
    }
  }
}
