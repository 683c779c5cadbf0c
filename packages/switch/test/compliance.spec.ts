import switchSuite from '@p2p/compliance-tests/switch'
import { describe } from 'vitest'
import { Net } from './helpers.js'

for (const kind of ['memory', 'tcp'] as const) {
  describe(`p2pSwitch over ${kind}`, () => {
    switchSuite({
      async setup() {
        const net = new Net(kind)
        return {
          async create({ reactors, maxInboundPeers }) {
            const n = await net.node({ reactors, ...(maxInboundPeers === undefined ? {} : { init: { maxInboundPeers } }) })
            return {
              sw: n.sw,
              address: n.addr(),
              async stop() {
                await n.sw.stop()
                await n.transport.stop()
              }
            }
          }
        }
      },
      async teardown() {}
    })
  })
}
