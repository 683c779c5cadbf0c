import { describe, expect, it } from 'vitest'
import { errorReason, promMetrics } from '../src/observability/index.js'
import { AddrBookError, MisbehaviourError, ProtocolError, RejectedError, TimeoutError } from '@p2p/types'

describe('promMetrics', () => {
  it('counts, sets and observes through the Metrics interface', async () => {
    const m = promMetrics()
    m.registerCounter('cometbft_p2p_x_total', { help: 'x', labelNames: ['chID'] }).increment(5, { chID: '0x20' })
    const g = m.registerGauge('cometbft_p2p_peers', { help: 'peers' })
    g.increment()
    g.increment()
    g.decrement()
    m.registerHistogram('cometbft_p2p_h_seconds', { help: 'h', buckets: [0.1, 1] }).observe(0.5)
    const text = await m.expose()
    expect(text).toContain('cometbft_p2p_x_total{chID="0x20"} 5')
    expect(text).toContain('cometbft_p2p_peers 1')
    expect(text).toContain('cometbft_p2p_h_seconds_bucket{le="0.1"} 0')
    expect(text).toContain('cometbft_p2p_h_seconds_bucket{le="1"} 1')
    expect(text).toContain('# HELP cometbft_p2p_peers peers')
  })

  it('returns the same metric for the same name and kind, refuses another kind', () => {
    const m = promMetrics()
    const a = m.registerCounter('c_total')
    expect(m.registerCounter('c_total')).toBe(a)
    expect(() => m.registerGauge('c_total')).toThrow(expect.objectContaining({ name: 'InvalidArgumentError' }))
  })

  it('keeps registries of two instances apart', async () => {
    const a = promMetrics()
    const b = promMetrics()
    a.registerCounter('only_a_total').increment()
    b.registerCounter('only_a_total').increment(2)
    expect(await a.expose()).toContain('only_a_total 1')
    expect(await b.expose()).toContain('only_a_total 2')
  })

  it('drops peer_id labels unless asked, summing into the series without it', async () => {
    const m = promMetrics()
    const c = m.registerCounter('cometbft_p2p_peer_receive_bytes_total', { help: 'r', labelNames: ['peer_id', 'chID'] })
    c.increment(10, { peer_id: 'a', chID: '0x20' })
    c.increment(5, { peer_id: 'b', chID: '0x20' })
    const g = m.registerGauge('cometbft_p2p_peer_pending_send_bytes', { help: 'p', labelNames: ['peer_id'] })
    g.set(100, { peer_id: 'a' })
    g.set(50, { peer_id: 'b' })
    g.set(30, { peer_id: 'a' })
    const text = await m.expose()
    expect(text).toContain('cometbft_p2p_peer_receive_bytes_total{chID="0x20"} 15')
    expect(text).not.toContain('peer_id')
    // a's 30 plus b's 50: set() per peer becomes the sum over peers
    expect(text).toContain('cometbft_p2p_peer_pending_send_bytes 80')
    g.set(0, { peer_id: 'a' })
    g.set(0, { peer_id: 'b' })
    expect(await m.expose()).toContain('cometbft_p2p_peer_pending_send_bytes 0')

    const perPeer = promMetrics({ omitLabels: [] })
    perPeer.registerCounter('r_total', { labelNames: ['peer_id'] }).increment(1, { peer_id: 'a' })
    expect(await perPeer.expose()).toContain('r_total{peer_id="a"} 1')
  })

  it('never throws into a layer: bad observations are dropped and reported', async () => {
    const errors: string[] = []
    const m = promMetrics({ onError: (name) => errors.push(name) })
    const c = m.registerCounter('c_total', { labelNames: ['a'] })
    expect(() => c.increment(1, { nope: 'x' })).not.toThrow()
    expect(() => c.increment(-1)).not.toThrow()
    expect(errors).toEqual(['c_total', 'c_total'])
  })
})

describe('errorReason', () => {
  it('names typed errors with their discriminant and nothing else', () => {
    expect(errorReason(new TimeoutError('handshake', 3000))).toBe('TimeoutError:handshake')
    expect(errorReason(new RejectedError('duplicate-id', 'dup'))).toBe('RejectedError:duplicate-id')
    expect(errorReason(new MisbehaviourError('pex-too-many-addrs', 'x'))).toBe('MisbehaviourError:pex-too-many-addrs')
    expect(errorReason(new AddrBookError('banned', 'x'))).toBe('AddrBookError:banned')
    expect(errorReason(new ProtocolError('bad frame'))).toBe('ProtocolError')
    expect(errorReason(undefined)).toBe('none')
    expect(errorReason('a string')).toBe('other')
    // free text from the network never becomes a label
    expect(errorReason({ name: 'Evil name with spaces', reason: 'x' })).toBe('other:x')
    expect(errorReason({ name: 'RejectedError', reason: 'Some "quoted" text\n' })).toBe('RejectedError')
  })
})
