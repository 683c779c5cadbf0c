/** One testnet in a fresh process (so memory figures are its own); prints one JSON line. */
import { runTestnet } from '../src/testnet.js'

const [nodes = 10, target = 4, periodMs = 500] = process.argv.slice(2).map(Number)
const gc = (globalThis as { gc?: () => void }).gc
gc?.()
const before = process.memoryUsage()
const r = await runTestnet({ nodes, target: Math.min(target, nodes - 1), periodMs, timeoutMs: 120_000 })
console.log(
  JSON.stringify({
    converged: r.converged,
    reason: r.reason,
    convergedMs: r.convergedMs,
    startupMs: r.startupMs,
    rssBefore: before.rss,
    heapBefore: before.heapUsed,
    rss: r.memory.rss,
    heap: r.memory.heapUsed
  })
)
