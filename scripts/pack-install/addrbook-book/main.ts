// What a user of @p2p/addrbook alone does: make a book, fill it, pick from it, save it, load it.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addrBook } from '@p2p/addrbook'
import { type NetAddress, parseNetAddressLiteral } from '@p2p/types'

const dir = mkdtempSync(join(tmpdir(), 'addrbook-'))
const filePath = join(dir, 'addrbook.json')
try {
  const source = parseNetAddressLiteral('77bebab3afdfb365390064b0083363f704ae3ecf@8.8.8.8:26656')
  const addrs: NetAddress[] = [1, 2, 3, 4, 5].map((i) => parseNetAddressLiteral(`${String(i).repeat(40)}@${i}.${i + 10}.0.1:26656`))

  const book = addrBook({ filePath })({})
  await book.start()
  for (const a of addrs) book.addAddress(a, source)
  assert.equal(book.size(), addrs.length)

  const picked = book.pickAddress(50)
  assert.ok(picked !== undefined && addrs.some((a) => a.id === picked.id), 'picks one of the added addresses')
  book.markAttempt(picked)
  book.markGood(picked)
  assert.equal(book.getSelection().length > 0, true)
  await book.stop() // saves

  const saved = JSON.parse(readFileSync(filePath, 'utf8')) as { key: string; addrs: unknown[] }
  assert.equal(saved.addrs.length, addrs.length, 'addrbook.json holds every address')

  const again = addrBook({ filePath })({})
  await again.start() // loads
  assert.equal(again.size(), addrs.length)
  for (const a of addrs) assert.ok(again.has(a), `${a.id} survives a save and load`)
  assert.ok(again.isGood(picked), 'the address marked good is still in the tried set')
  await again.stop()
  console.log(`book of ${again.size()} saved to addrbook.json and loaded back; picked ${picked.ip}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
