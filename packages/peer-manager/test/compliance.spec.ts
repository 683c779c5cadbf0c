import dialStrategySuite from '@p2p/compliance-tests/dial-strategy'
import peerManagerSuite from '@p2p/compliance-tests/peer-manager'
import { biasedRandomStrategy, peerManager } from '../src/index.js'
import { bookWith } from './helpers.js'

dialStrategySuite({
  async setup(args) {
    return biasedRandomStrategy()({ addrBook: bookWith(args?.candidates ?? []) })
  },
  async teardown() {}
})

peerManagerSuite({
  async setup(args) {
    if (args === undefined) throw new Error('the suite passes its arguments')
    return peerManager({
      maxOutboundPeers: args.maxOutboundPeers,
      ensurePeersPeriodMs: args.ensurePeersPeriodMs,
      persistentPeers: args.persistentPeers
    })({ switch: args.switch, addrBook: bookWith(args.candidates) })
  },
  async teardown() {}
})
