import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultP2PConfig } from '@p2p/config'
import { FD_RESERVE, openFileLimit, requiredFileDescriptors } from '@p2p/node'
import { describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'

describe('file-descriptor limit', () => {
  it('reads the soft limit from a limits file, and nothing from a missing or unlimited one', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      const f = join(dir, 'limits')
      await writeFile(f, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            256                  4096                 files\n')
      expect(await openFileLimit(f)).toBe(256)
      await writeFile(f, 'Max open files            unlimited            unlimited            files\n')
      expect(await openFileLimit(f)).toBeUndefined()
      expect(await openFileLimit(join(dir, 'none'))).toBeUndefined()
    } finally {
      await cleanup()
    }
  })

  it('needs one descriptor per allowed peer plus a reserve', () => {
    expect(requiredFileDescriptors(defaultP2PConfig())).toBe(40 + 10 + FD_RESERVE)
    expect(requiredFileDescriptors({ ...defaultP2PConfig(), persistentPeers: ['a', 'b'], unconditionalPeerIds: ['c'] })).toBe(53 + FD_RESERVE)
  })
})
