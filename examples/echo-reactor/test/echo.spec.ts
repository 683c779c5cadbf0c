import suite from '@p2p/compliance-tests/reactor'
import { describe, expect, it } from 'vitest'
import { ECHO_CHANNEL, EchoReactor } from '../echo-reactor.js'
import { run } from '../main.js'

const ping = Uint8Array.of(0, 0, 0, 0, 1, 0x68, 0x69)
const pong = Uint8Array.of(1, 0, 0, 0, 1, 0x68, 0x69)

// What any reactor must survive, run against the echo reactor.
suite({
  async setup() {
    return {
      reactor: new EchoReactor(),
      messages: [
        { channelId: ECHO_CHANNEL, message: ping },
        { channelId: ECHO_CHANNEL, message: pong }
      ]
    }
  },
  async teardown() {}
})

describe('echo example', () => {
  it('runs: two nodes on loopback TCP, a ping answered, both stopped', async () => {
    const lines = await run(() => {})
    expect(lines[0]).toMatch(/^alice connected to bob/)
    expect(lines[1]).toMatch(/^bob echoed "hello, bob" in/)
    expect(lines[2]).toBe('both nodes stopped')
  })
})
