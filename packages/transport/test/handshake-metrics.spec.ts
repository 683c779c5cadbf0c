import type { Counter, Gauge, Histogram, MetricLabels, Metrics, NodeID, PeerConnection, Transport } from '@p2p/types'
import { afterEach, describe, expect, it } from 'vitest'
import { handshakeOutcome } from '../src/handshake-metrics.js'
import { tcpTransport } from '../src/index.js'
import { type TestIdentity, testIdentity } from './helpers/identity.js'

type Event = [op: string, name: string, value: number, labels: MetricLabels | undefined]

/** Every gauge step and histogram observation, in order. */
class RecordingMetrics implements Metrics {
  readonly events: Event[] = []
  readonly gauges = new Map<string, number>()
  readonly counters = new Map<string, number>()
  registerCounter(name: string): Counter {
    return {
      increment: (v = 1, labels?: MetricLabels) => {
        const key = `${name}${JSON.stringify(labels ?? {})}`
        this.counters.set(key, (this.counters.get(key) ?? 0) + v)
      }
    }
  }
  registerGauge(name: string): Gauge {
    const step = (op: string, v: number, labels?: MetricLabels): void => {
      const key = `${name}${JSON.stringify(labels ?? {})}`
      this.gauges.set(key, (this.gauges.get(key) ?? 0) + v)
      this.events.push([op, name, this.gauges.get(key)!, labels])
    }
    return {
      set: (v, l) => step('set', v - (this.gauges.get(`${name}${JSON.stringify(l ?? {})}`) ?? 0), l),
      increment: (v = 1, l) => step('inc', v, l),
      decrement: (v = 1, l) => step('dec', -v, l)
    }
  }
  registerHistogram(name: string): Histogram {
    return { observe: (v, l) => void this.events.push(['observe', name, v, l]) }
  }
  observations(direction: string): Event[] {
    return this.events.filter(([op, , , l]) => op === 'observe' && l?.direction === direction)
  }
}

const transports: Transport[] = []
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.stop()))
})

async function start(metrics?: Metrics, id: TestIdentity = testIdentity(), pingIntervalMs?: number): Promise<Transport & { id: TestIdentity }> {
  const mconnection = { sendRate: 0, recvRate: 0, ...(pingIntervalMs === undefined ? {} : { pingIntervalMs, pongTimeoutMs: pingIntervalMs / 2 }) }
  const t = tcpTransport({ listen: '127.0.0.1:0', mconnection })({
    nodeKey: id.nodeKey,
    nodeInfo: () => id.nodeInfo,
    ...(metrics === undefined ? {} : { metrics })
  })
  await t.start()
  transports.push(t)
  return Object.assign(t, { id })
}

const IN_FLIGHT = 'cometbft_p2p_handshakes_in_flight'
const DURATION = 'cometbft_p2p_handshake_duration_seconds'

describe('handshake metrics of the transport', () => {
  it('a handshake is in flight until it ends, then observed once with outcome ok', async () => {
    const m = new RecordingMetrics()
    const a = await start(m)
    const b = await start()
    const conn = await a.dial(b.listenAddress())
    await conn.close()
    const steps = m.events.filter(([, name]) => name === IN_FLIGHT).map(([op, , v, l]) => [op, v, l?.direction])
    expect(steps).toEqual([
      ['inc', 1, 'outbound'],
      ['dec', 0, 'outbound']
    ])
    const obs = m.observations('outbound')
    expect(obs).toHaveLength(1)
    expect(obs[0]).toMatchObject(['observe', DURATION, expect.any(Number), { direction: 'outbound', outcome: 'ok' }])
    expect(obs[0]![2]).toBeGreaterThanOrEqual(0)
  })

  it('the accepting side counts inbound; a wrong-ID dial is one failed observation and nothing left in flight', async () => {
    const ma = new RecordingMetrics()
    const mb = new RecordingMetrics()
    const a = await start(ma)
    const b = await start(mb)
    const wrong = { ...b.listenAddress(), id: 'cd'.repeat(20) as NodeID }
    await expect(a.dial(wrong)).rejects.toMatchObject({ name: 'AuthFailureError' })
    expect(ma.observations('outbound').map(([, , , l]) => l?.outcome)).toEqual(['failed'])
    expect(ma.gauges.get(`${IN_FLIGHT}{"direction":"outbound"}`)).toBe(0)
    // b saw the handshake start inbound; a hung up, so it ends there too
    await expect.poll(() => mb.observations('inbound').length).toBe(1)
    expect(mb.gauges.get(`${IN_FLIGHT}{"direction":"inbound"}`)).toBe(0)
  })

  it('a sink without histograms gets the gauge only', async () => {
    const m = new RecordingMetrics()
    const noHist: Metrics = { registerCounter: (n) => m.registerCounter(n), registerGauge: (n) => m.registerGauge(n) }
    const a = await start(noHist)
    const b = await start()
    await (await a.dial(b.listenAddress())).close()
    expect(m.events.map(([op]) => op)).toEqual(['inc', 'dec'])
  })

  it("the transport's sink reaches its MConnections (their keep-alive pings are counted there)", async () => {
    const m = new RecordingMetrics()
    const a = await start(m, testIdentity(), 10)
    const b = await start()
    const accepted = b.accept()[Symbol.asyncIterator]().next()
    const conn = await a.dial(b.listenAddress())
    const inbound = (await accepted).value as PeerConnection
    const channels = [{ id: 0x40, priority: 1 }]
    inbound.start(channels, { onReceive() {}, onClose() {} })
    conn.start(channels, { onReceive() {}, onClose() {} })
    // pings every 10 ms; the connection hands its tally to the sink at its own pings and at close
    await new Promise((r) => setTimeout(r, 60))
    await conn.close()
    await inbound.close()
    expect(m.counters.get('cometbft_p2p_mconn_control_packets_total{"type":"ping","direction":"sent"}') ?? 0).toBeGreaterThan(0)
  })

  it('maps typed errors to outcomes', () => {
    const named = (name: string): Error => Object.assign(new Error('x'), { name })
    expect(handshakeOutcome(undefined)).toBe('ok')
    expect(handshakeOutcome(named('RejectedError'))).toBe('rejected')
    expect(handshakeOutcome(named('TimeoutError'))).toBe('timeout')
    expect(handshakeOutcome(named('AuthFailureError'))).toBe('failed')
  })
})
