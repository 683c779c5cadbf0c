import suite from '@p2p/compliance-tests/addrbook'
import { describe } from 'vitest'
import { addrBook } from '../src/index.js'

describe('strict (Go default)', () => {
  suite({
    async setup(args) {
      return addrBook(args === undefined ? {} : { filePath: args.filePath })({})
    },
    async teardown() {}
  })
})

describe('non-strict (private networks)', () => {
  suite({
    async setup(args) {
      return addrBook({ strict: false, ...(args === undefined ? {} : { filePath: args.filePath }) })({})
    },
    async teardown() {}
  })
})
