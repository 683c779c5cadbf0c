// What a user of @p2p/node does: make a home (config.toml, node_key.json, genesis.json), build
// the node from it and run it. Nothing but @p2p/node is named in package.json.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, initHome } from '@p2p/node'

const home = mkdtempSync(join(tmpdir(), 'p2p-home-'))
try {
  await initHome(home, { chainId: 'pack-install', config: { listenAddress: 'tcp://127.0.0.1:0' } })
  const node = await createNode({ home }) // every layer at its default
  await node.start()
  const addr = node.listenAddress()
  assert.equal(addr.id, node.id)
  assert.ok(addr.port > 0, 'listening on a real port')
  await node.stop()
  console.log(`node ${node.id.slice(0, 8)} started on ${addr.ip}:${addr.port} from a fresh home and stopped`)
} finally {
  rmSync(home, { recursive: true, force: true })
}
