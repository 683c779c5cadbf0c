import { open, stat } from 'node:fs/promises'
import { CorruptFileError } from '@p2p/types'
import { moveAside, removeStaleTempFiles, writeFileAtomic } from '@p2p/types/fs'
import { type DecodedAddrBook, decodeAddrBook } from './file.js'

/** What to do with an unreadable address book file at start. */
export type CorruptFilePolicy = 'throw' | 'start-empty'

/**
 * Reads the book file, or returns `undefined` when there is none. An unreadable file (not JSON,
 * truncated, larger than `maxBytes`) is moved aside to `<path>.corrupt-<time>`, never left to be
 * overwritten by the next save, and a {@link CorruptFileError} naming both paths is thrown.
 */
export async function readBookFile(path: string, maxBytes: number, now: number): Promise<DecodedAddrBook | undefined> {
  await removeStaleTempFiles(path)
  let bytes: Buffer
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new CorruptFileError(path, `address book ${path} is not a regular file`)
    if (info.size > maxBytes) {
      return await corrupt(path, `address book ${path} is ${info.size} bytes, more than the limit of ${maxBytes}`, now)
    }
    bytes = await readBounded(path, maxBytes, info.size)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    return decodeAddrBook(bytes, path)
  } catch (err) {
    if (!(err instanceof CorruptFileError)) throw err
    return await corrupt(path, err.message, now, err)
  }
}

/**
 * Reads at most `maxBytes` (the file may grow between stat and read). The file is read into one
 * buffer of the size `stat` gave (no chunks to join: a full book is 9 MB); a file that has grown
 * since is read on in chunks.
 */
export async function readBounded(path: string, maxBytes: number, expectedSize: number): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    // one byte more than expected, to notice growth without a second read
    const first = Buffer.allocUnsafe(Math.min(expectedSize, maxBytes) + 1)
    let length = 0
    for (;;) {
      const { bytesRead } = await fh.read(first, length, first.length - length, null)
      if (bytesRead === 0) return first.subarray(0, length)
      length += bytesRead
      if (length === first.length) break
    }
    const chunks: Buffer[] = [first]
    for (;;) {
      if (length > maxBytes) throw new CorruptFileError(path, `address book ${path} is larger than the limit of ${maxBytes} bytes`)
      const chunk = Buffer.allocUnsafe(1 << 20)
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      length += bytesRead
    }
    return Buffer.concat(chunks, length)
  } finally {
    await fh.close()
  }
}

async function corrupt(path: string, message: string, now: number, cause?: unknown): Promise<never> {
  const movedTo = await moveAside(path, now)
  throw new CorruptFileError(path, `${message}; moved it to ${movedTo}`, cause === undefined ? { movedTo } : { cause, movedTo })
}

export { writeFileAtomic }
