import transportSuite from '@p2p/compliance-tests/transport'
import { describe } from 'vitest'
import { MemoryNetwork, memoryTransport, tcpTransport } from '../src/index.js'
import { testIdentity } from './helpers/identity.js'

// The rate limiter is out of the way so the 10 MiB message does not take seconds.
const unlimited = { mconnection: { sendRate: 0, recvRate: 0 } }

describe('TcpTransport', () => {
  transportSuite({
    async setup() {
      return {
        async create(options) {
          const id = testIdentity(options)
          const t = tcpTransport({ listen: '127.0.0.1:0', ...unlimited })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo })
          await t.start()
          return t
        }
      }
    },
    async teardown() {}
  })
})

describe('MemoryTransport', () => {
  transportSuite({
    async setup() {
      const network = new MemoryNetwork()
      return {
        async create(options) {
          const id = testIdentity(options)
          const t = memoryTransport({ network, ...unlimited })({ nodeKey: id.nodeKey, nodeInfo: () => id.nodeInfo })
          await t.start()
          return t
        }
      }
    },
    async teardown() {}
  })
})
