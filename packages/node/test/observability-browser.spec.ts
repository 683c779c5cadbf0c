import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HttpApi, httpApi, type NetworkView, type NodeStatusSource, networkViewOf } from '../src/observability/index.js'
import { fakeSource, idOf } from './observability-fakes.js'
import { ECHO_CHANNEL, fullMesh, until } from './observability-network.js'

// Opt out with P2P_SKIP_BROWSER=1; skipped where Debian's chromium is not installed (.ci/run installs it).
const CHROMIUM = process.env.P2P_CHROMIUM ?? '/usr/bin/chromium'
const enabled = process.env.P2P_SKIP_BROWSER !== '1' && existsSync(CHROMIUM)
const ARTEFACTS = fileURLToPath(new URL('../../../.tmp/observability/', import.meta.url))

interface Edge {
  source: string
  target: string
  directed: boolean
}

/** What the page exposes, typed here because this test is compiled without DOM types. */
interface PageGlobals {
  p2pView: { nodeIds(): string[]; edges(): Edge[]; health(id: string): string; mode(): string; select(id: string): void }
  document: { body: { dataset: Record<string, string | undefined> }; getElementById(id: string): { textContent: string } | null }
}

describe.skipIf(!enabled)('network page in headless chromium', () => {
  let browser: Browser
  let api: HttpApi
  let view: () => NetworkView = () => ({ nodes: [] })

  beforeAll(async () => {
    const status: NodeStatusSource = { ...fakeSource(), network: () => view() }
    api = httpApi({ port: 0 })({ status })
    await api.start()
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
    })
    await mkdir(ARTEFACTS, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    await api?.stop()
  })

  it('draws every node of a running 4-node network, with directed edges, updating live', async () => {
    const nodes = await fullMesh(4)
    view = () => networkViewOf(nodes.map((n) => n.source))
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } })
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`http://127.0.0.1:${api.address().port}/`)
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.dataset.nodes === '4', undefined, { timeout: 10_000 })
      const ids = await page.evaluate(() => (globalThis as unknown as PageGlobals).p2pView.nodeIds())
      expect(ids.sort()).toEqual(nodes.map((n) => n.info.id).sort())
      const edges = await page.evaluate(() => (globalThis as unknown as PageGlobals).p2pView.edges())
      // a full mesh of 4: 6 connections, each drawn once from the node that dialled
      expect(edges).toHaveLength(6)
      for (const [i, a] of nodes.entries()) {
        for (const b of nodes.slice(i + 1)) expect(edges).toContainEqual({ source: a.info.id, target: b.info.id, directed: true })
      }
      expect(await page.textContent('#summary')).toBe('4 nodes, 6 edges, 4 reachable')
      await page.screenshot({ path: `${ARTEFACTS}network-live.png` })

      // node 1's details list its peers with the bytes per channel /net_info shows
      const first = nodes[0]!
      for (let i = 0; i < 3; i++) await first.sw.broadcast(ECHO_CHANNEL, new Uint8Array(2500))
      await until(() => nodes.slice(1).every((n) => n.reactor.bytes === 7500), 5000, 'the broadcast delivered')
      await page.evaluate((id) => (globalThis as unknown as PageGlobals).p2pView.select(id), first.info.id)
      await page.waitForFunction(
        () => ((globalThis as unknown as PageGlobals).document.getElementById('peer-bytes')?.textContent ?? '').includes('7.5 kB'),
        undefined,
        { timeout: 10_000 }
      )
      const rows = await page.$$eval('#peer-bytes tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)))
      expect(rows[0]).toEqual(['peer', 'channel', 'sent', 'received'])
      for (const peer of nodes.slice(1)) expect(rows).toContainEqual([`${peer.info.id.slice(0, 8)} →`, '0x70', '7.5 kB', '0 B'])
      await page.screenshot({ path: `${ARTEFACTS}network-live-details.png` })

      // node 4 stops: on its next poll the page draws it down, without its edges
      const last = nodes[3]!
      await last.stop()
      await page.waitForFunction(
        (id) => (globalThis as unknown as PageGlobals).p2pView.health(id) === 'down',
        last.info.id,
        { timeout: 10_000 }
      )
      await until(() => nodes.slice(0, 3).every((n) => n.sw.peers().size === 2), 5000, 'the others to drop node 4')
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).p2pView.edges().length === 3, undefined, { timeout: 10_000 })
      await page.screenshot({ path: `${ARTEFACTS}network-live-one-down.png` })
      expect(errors).toEqual([])
      await page.close()
    } finally {
      await Promise.all(nodes.slice(0, 3).map((n) => n.stop()))
    }
  })

  it('opens a crawl file and shows its nodes, including peers it could only name', async () => {
    const crawl = {
      nodes: [
        { id: idOf(0x11), address: `${idOf(0x11)}@192.0.2.1:26656`, reachable: true, peers: [idOf(0x12), { id: idOf(0x13), outbound: false }] },
        { id: idOf(0x12), address: '192.0.2.2:26656', reachable: true, peers: [idOf(0x11)] },
        { id: idOf(0x14), address: '192.0.2.4:26656', reachable: false }
      ]
    }
    const file = `${ARTEFACTS}crawl.json`
    await writeFile(file, JSON.stringify(crawl))
    // the live view shows one node, so a count of 4 can only come from the file
    view = () => ({ nodes: [{ id: idOf(0x99), address: '127.0.0.1:1', reachable: true }] })
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } })
    await page.goto(`http://127.0.0.1:${api.address().port}/`)
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.body.dataset.nodes === '1', undefined, { timeout: 10_000 })
    await page.setInputFiles('#crawl-file', file)
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).p2pView.mode() === 'crawl', undefined, { timeout: 10_000 })
    const drawn = await page.evaluate(() => {
      const v = (globalThis as unknown as PageGlobals).p2pView
      return { mode: v.mode(), ids: v.nodeIds(), edges: v.edges(), health: v.nodeIds().map((id) => [id, v.health(id)]) }
    })
    expect(drawn.mode).toBe('crawl')
    expect(drawn.ids.sort()).toEqual([idOf(0x11), idOf(0x12), idOf(0x13), idOf(0x14)])
    // 0x11–0x12 named by both sides without a direction: one undirected edge; 0x13 dialled 0x11
    expect(drawn.edges).toHaveLength(2)
    expect(drawn.edges).toContainEqual({ source: idOf(0x13), target: idOf(0x11), directed: true })
    expect(Object.fromEntries(drawn.health)).toEqual({
      [idOf(0x11)]: 'good',
      [idOf(0x12)]: 'good',
      [idOf(0x13)]: 'unknown',
      [idOf(0x14)]: 'down'
    })
    expect(await page.textContent('#mode')).toBe('crawl file: crawl.json')
    await page.screenshot({ path: `${ARTEFACTS}network-crawl.png` })

    // a malformed file is refused with a message, and the drawing stays
    await writeFile(`${ARTEFACTS}bad.json`, JSON.stringify({ nodes: [{ id: 5 }] }))
    await page.setInputFiles('#crawl-file', `${ARTEFACTS}bad.json`)
    await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).document.getElementById('error')?.textContent ?? '') !== '')
    expect(await page.textContent('#error')).toContain('nodes[0].id must be a non-empty string')
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.body.dataset.nodes)).toBe('4')
    await page.close()
  })
})
