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
    bytes = await readBounded(path, maxBytes)
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

/** Reads at most `maxBytes` (the file may grow between stat and read). */
async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const chunks: Buffer[] = []
    let length = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(1 << 20)
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      length += bytesRead
      if (length > maxBytes) throw new CorruptFileError(path, `address book ${path} is larger than the limit of ${maxBytes} bytes`)
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
  } finally {
    await fh.close()
  }
}

async function corrupt(path: string, message: string, now: number, cause?: unknown): Promise<never> {
  const movedTo = await moveAside(path, now)
  throw new CorruptFileError(path, `${message}; moved it to ${movedTo}`, cause === undefined ? { movedTo } : { cause, movedTo })
}

export { writeFileAtomic }
