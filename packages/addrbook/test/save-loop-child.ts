/**
 * Child process of crash-safety.spec.ts: loads the book at `argv[2]` (so a corrupt file makes it
 * fail before saying "ready"), then grows and saves it in a tight loop until it is killed.
 */
import { addrBook } from '../src/index.js'
import { randomAddresses, seeded } from './helpers.js'

const [path, seedText] = process.argv.slice(2)
const random = seeded(Number(seedText))
const book = addrBook({ filePath: path!, random, saveIntervalMs: 3_600_000 })({})
await book.start()
process.stdout.write(`loaded ${book.size()}\n`)
const pool = randomAddresses(20_000, random)
let next = 0
for (let i = 0; ; i++) {
  for (let k = 0; k < 300; k++) {
    const a = pool[next++ % pool.length]!
    book.addAddress(a, pool[(next * 7) % pool.length]!)
  }
  await book.save()
  if (i === 0) process.stdout.write('ready\n')
}
