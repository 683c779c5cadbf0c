// The network view: draws a NetworkView ({ nodes: [{ id, address, reachable, peers?, label?, health? }] })
// with cytoscape. Live mode polls the serving node's /network; a crawl file replaces it.
// Plain browser script, no build step: cytoscape comes from vendor/ (this package's dependency).
;(() => {
  'use strict'
  const POLL_MS = 2000
  const MAX_NODES = 5000
  const HEALTH = ['good', 'degraded', 'down', 'unknown']
  const COLOURS = { good: '#2f9e44', degraded: '#f08c00', down: '#e03131', unknown: '#adb5bd' }

  const $ = (id) => document.getElementById(id)
  const cy = window.cytoscape({
    container: $('graph'),
    wheelSensitivity: 0.3,
    // a small network would otherwise be blown up to fill the screen
    maxZoom: 1.5,
    style: [
      {
        selector: 'node',
        style: {
          'background-color': (n) => COLOURS[n.data('health')] ?? COLOURS.unknown,
          label: 'data(short)',
          'font-size': 10,
          'text-valign': 'bottom',
          'text-margin-y': 4,
          width: 22,
          height: 22
        }
      },
      { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#1c7ed6' } },
      {
        selector: 'edge',
        style: { width: 1.5, 'line-color': '#9aa5b1', 'curve-style': 'bezier', 'target-arrow-color': '#9aa5b1' }
      },
      { selector: 'edge[?directed]', style: { 'target-arrow-shape': 'triangle' } }
    ]
  })

  let mode = 'live'
  let timer
  let lastShape = ''
  /** The nodes of the view last drawn, by ID (their peer lists feed the details pane). */
  let lastNodes = new Map()
  /** The node whose details are shown; refreshed on every poll. */
  let selected

  /** Checks the shape of a view (a crawl file is untrusted input) and returns an error text or ''. */
  function problem(view) {
    if (view === null || typeof view !== 'object' || !Array.isArray(view.nodes)) return 'expected an object with a "nodes" array'
    if (view.nodes.length > MAX_NODES) return `too many nodes (${view.nodes.length} > ${MAX_NODES})`
    for (const [i, n] of view.nodes.entries()) {
      if (n === null || typeof n !== 'object') return `nodes[${i}] is not an object`
      if (typeof n.id !== 'string' || n.id === '') return `nodes[${i}].id must be a non-empty string`
      if (typeof n.address !== 'string') return `nodes[${i}].address must be a string`
      if (typeof n.reachable !== 'boolean') return `nodes[${i}].reachable must be true or false`
      if (n.peers !== undefined && !Array.isArray(n.peers)) return `nodes[${i}].peers must be an array`
    }
    return ''
  }

  /** Nodes and edges for cytoscape: one edge per pair, directed from the dialler when known. */
  function elements(view) {
    const nodes = new Map()
    const edges = new Map()
    for (const n of view.nodes) nodes.set(n.id, { ...n, known: true })
    for (const n of view.nodes) {
      for (const p of n.peers ?? []) {
        const pid = typeof p === 'string' ? p : p?.id
        if (typeof pid !== 'string' || pid === '' || pid === n.id) continue
        if (!nodes.has(pid)) nodes.set(pid, { id: pid, address: '', reachable: false, known: false })
        const outbound = typeof p === 'object' ? p.outbound : undefined
        const [from, to] = outbound === false ? [pid, n.id] : [n.id, pid]
        const key = from < to ? `${from}|${to}` : `${to}|${from}`
        const prev = edges.get(key)
        // a direction stated by either side wins over an unknown one
        if (prev === undefined || (!prev.directed && outbound !== undefined)) {
          edges.set(key, { id: key, source: from, target: to, directed: outbound !== undefined })
        }
      }
    }
    const degree = new Map()
    for (const e of edges.values()) {
      degree.set(e.source, (degree.get(e.source) ?? 0) + 1)
      degree.set(e.target, (degree.get(e.target) ?? 0) + 1)
    }
    const els = []
    for (const n of nodes.values()) {
      const health = HEALTH.includes(n.health)
        ? n.health
        : !n.known
          ? 'unknown'
          : !n.reachable
            ? 'down'
            : (degree.get(n.id) ?? 0) > 0
              ? 'good'
              : 'degraded'
      const short = `${n.label ? `${n.label} ` : ''}${n.id.slice(0, 8)}`
      els.push({ group: 'nodes', data: { id: n.id, short, health, address: n.address, label: n.label ?? '', peers: degree.get(n.id) ?? 0 } })
    }
    for (const e of edges.values()) els.push({ group: 'edges', data: e })
    return els
  }

  function render(view) {
    lastNodes = new Map(view.nodes.map((n) => [n.id, n]))
    const els = elements(view)
    const shape = els
      .map((e) => e.data.id)
      .sort()
      .join(',')
    if (shape === lastShape) {
      // same nodes and edges: update colours and details in place, keep the layout still
      for (const e of els) cy.getElementById(e.data.id).data(e.data)
    } else {
      lastShape = shape
      cy.elements().remove()
      cy.add(els)
      cy.layout({ name: els.length > 400 ? 'grid' : 'cose', animate: false, randomize: false, fit: true, padding: 40 }).run()
    }
    const nodeCount = cy.nodes().length
    const reachable = cy.nodes('[health != "down"][health != "unknown"]').length
    $('summary').textContent = `${nodeCount} nodes, ${cy.edges().length} edges, ${reachable} reachable`
    document.body.dataset.nodes = String(nodeCount)
    if (selected !== undefined) showDetails(selected)
  }

  function showError(text) {
    $('error').textContent = text
  }

  async function poll() {
    if (mode !== 'live') return
    try {
      const res = await fetch('network', { cache: 'no-store' })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const view = await res.json()
      const p = problem(view)
      if (p !== '') throw new Error(p)
      if (mode !== 'live') return
      render(view)
      showError('')
      $('mode').textContent = `live: ${location.host}`
    } catch (err) {
      showError(`live view: ${err.message}`)
      $('mode').textContent = location.protocol === 'file:' ? 'offline: open a crawl file' : 'live: unreachable'
    }
    if (mode === 'live') timer = setTimeout(poll, POLL_MS)
  }

  function showCrawl(name, text) {
    let view
    try {
      view = JSON.parse(text)
    } catch {
      return showError(`${name}: not JSON`)
    }
    const p = problem(view)
    if (p !== '') return showError(`${name}: ${p}`)
    mode = 'crawl'
    clearTimeout(timer)
    lastShape = ''
    render(view)
    showError('')
    $('mode').textContent = `crawl file: ${name}`
  }

  $('crawl-file').addEventListener('change', (ev) => {
    const file = ev.target.files?.[0]
    if (file === undefined) return
    file.text().then((text) => showCrawl(file.name, text), (err) => showError(String(err)))
    ev.target.value = ''
  })

  $('live').addEventListener('click', () => {
    mode = 'live'
    lastShape = ''
    clearTimeout(timer)
    poll()
  })

  /** `1234567` → `1.2 MB`. */
  function bytes(n) {
    const v = Number(n)
    if (!Number.isFinite(v) || v < 0) return '?'
    if (v < 1000) return `${v} B`
    const units = ['kB', 'MB', 'GB', 'TB']
    let x = v / 1000
    let i = 0
    while (x >= 1000 && i < units.length - 1) {
      x /= 1000
      i++
    }
    return `${x.toFixed(1)} ${units[i]}`
  }

  /** A table of the node's peers with bytes per channel (live views: what /net_info shows). */
  function peerTable(node) {
    const rows = []
    for (const p of node?.peers ?? []) {
      if (p === null || typeof p !== 'object' || !Array.isArray(p.channels)) continue
      for (const c of p.channels) {
        if (c === null || typeof c !== 'object') continue
        const ch = Number(c.id)
        rows.push([
          `${String(p.id).slice(0, 8)}${p.outbound === true ? ' →' : p.outbound === false ? ' ←' : ''}`,
          Number.isInteger(ch) ? `0x${ch.toString(16).padStart(2, '0')}` : '?',
          bytes(c.bytes_sent),
          bytes(c.bytes_received)
        ])
      }
    }
    if (rows.length === 0) return undefined
    const table = document.createElement('table')
    table.id = 'peer-bytes'
    for (const [i, cells] of [['peer', 'channel', 'sent', 'received'], ...rows].entries()) {
      const tr = document.createElement('tr')
      for (const text of cells) {
        const cell = document.createElement(i === 0 ? 'th' : 'td')
        cell.textContent = text
        tr.append(cell)
      }
      table.append(tr)
    }
    return table
  }

  function showDetails(id) {
    const el = cy.getElementById(id)
    if (el.empty()) return
    selected = id
    const d = el.data()
    const dl = document.createElement('dl')
    for (const [k, v] of [
      ['ID', d.id],
      ['Label', d.label],
      ['Address', d.address || '(unknown)'],
      ['Health', d.health],
      ['Peers drawn', d.peers]
    ]) {
      const dt = document.createElement('dt')
      dt.textContent = k
      const dd = document.createElement('dd')
      dd.textContent = String(v)
      dl.append(dt, dd)
    }
    const table = peerTable(lastNodes.get(d.id))
    $('details').replaceChildren(...(table === undefined ? [dl] : [dl, table]))
  }

  cy.on('tap', 'node', (ev) => showDetails(ev.target.id()))

  // for tests and the console: what is drawn
  window.p2pView = {
    nodeIds: () => cy.nodes().map((n) => n.id()),
    edges: () => cy.edges().map((e) => ({ source: e.source().id(), target: e.target().id(), directed: e.data('directed') })),
    health: (id) => cy.getElementById(id).data('health'),
    mode: () => mode,
    select: (id) => showDetails(id)
  }

  poll()
})()
