import reactorSuite from '@p2p/compliance-tests/reactor'
import { encodePexAddrs, encodePexRequest, pex } from '../src/index.js'
import { book, FakeDialer } from './helpers/fakes.js'

// The normal reactor and the seed, each through the shared Reactor suite.
reactorSuite({
  async setup() {
    return {
      reactor: pex({ ensurePeersPeriodMs: 1_000 })({ addrBook: book() }),
      messages: [
        { channelId: 0, message: encodePexRequest() },
        { channelId: 0, message: encodePexAddrs([{ id: 'ab'.repeat(20), ip: '8.8.8.8', port: 26656 }]) }
      ]
    }
  },
  async teardown() {}
})

reactorSuite({
  async setup() {
    const dialer = new FakeDialer(async () => {
      throw new Error('unreachable')
    })
    return {
      reactor: pex({ seedMode: true, crawlPeriodMs: 1_000 })({ addrBook: book(), dialer }),
      messages: [{ channelId: 0, message: encodePexRequest() }]
    }
  },
  async teardown() {}
})
