import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

// The same pattern as @p2p/addrbook's and @p2p/config's writers (a layer may not import a sibling).

/**
 * Replaces `path` with `data` so a reader, or a restart after a crash at any instant, sees the
 * old file or the new one, never a mix: temporary file in the same directory, fsync, rename,
 * fsync of the directory.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`)
  const fh = await open(tmp, 'wx', 0o644)
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
  let dh: Awaited<ReturnType<typeof open>> | undefined
  try {
    dh = await open(dir, 'r')
    await dh.sync()
  } catch {
    // some platforms cannot fsync a directory; the rename is still atomic
  } finally {
    await dh?.close().catch(() => {})
  }
}

/** Renames an unreadable file to `<path>.corrupt-<timestamp>` (never over an earlier one). */
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
      if (!reserved && (err as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) continue
      throw err
    }
  }
}
