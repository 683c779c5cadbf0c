import { readFile } from 'node:fs/promises'
import { CorruptFileError, isNodeId, type NetAddress, netAddressFromProto, netAddressString } from '@p2p/types'
import { moveAside, removeStaleTempFiles, writeFileAtomic } from '@p2p/types/fs'

/** A larger anchors file is not ours. */
const MAX_FILE_BYTES = 64 * 1024

interface AnchorsFile {
  version: 1
  anchors: Array<{ id: string; ip: string; port: number }>
}

/**
 * Reads the anchors: the last good outbound peers, dialled first at start (Bitcoin Core's
 * anchors.dat). A missing file is no anchors; a file that is not ours is moved aside and the
 * `CorruptFileError` (with `movedTo`) is thrown, so nothing replaces it silently.
 */
export async function readAnchors(path: string, max: number, now: number): Promise<NetAddress[]> {
  // temporary files of a writer killed mid-write
  await removeStaleTempFiles(path)
  let text: string
  try {
    const buf = await readFile(path)
    if (buf.length > MAX_FILE_BYTES) throw new SyntaxError(`file is ${buf.length} bytes, more than ${MAX_FILE_BYTES}`)
    text = buf.toString('utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    if (!(err instanceof SyntaxError)) throw err
    return await corrupt(path, err, now)
  }
  try {
    const data = JSON.parse(text) as Partial<AnchorsFile>
    if (data === null || typeof data !== 'object' || data.version !== 1 || !Array.isArray(data.anchors)) {
      throw new SyntaxError('not an anchors file (version 1)')
    }
    const out: NetAddress[] = []
    for (const a of data.anchors.slice(0, max)) {
      if (a === null || typeof a !== 'object' || !isNodeId(a.id) || typeof a.ip !== 'string' || typeof a.port !== 'number') {
        throw new SyntaxError(`bad anchor ${JSON.stringify(a)}`)
      }
      out.push(netAddressFromProto(a))
    }
    return out
  } catch (err) {
    return await corrupt(path, err, now)
  }
}

async function corrupt(path: string, err: unknown, now: number): Promise<never> {
  const movedTo = await moveAside(path, now)
  throw new CorruptFileError(path, `anchors file ${path} is unreadable (${(err as Error).message}); moved to ${movedTo}`, { cause: err, movedTo })
}

/** Writes the anchors atomically. */
export async function writeAnchors(path: string, anchors: readonly NetAddress[]): Promise<void> {
  const data: AnchorsFile = { version: 1, anchors: anchors.map((a) => ({ id: a.id, ip: a.ip, port: a.port })) }
  // the shared atomic write: temporary file, fsync, rename, fsync of the directory
  await writeFileAtomic(path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o644 })
}

/** The anchors as text, to compare two lists cheaply. */
export function anchorsKey(anchors: readonly NetAddress[]): string {
  return anchors.map(netAddressString).join(',')
}
