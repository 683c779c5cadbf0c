import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EXIT_CODES, runCli } from '@p2p/node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from './helpers.js'

let dir = ''
let cleanup = async (): Promise<void> => {}
beforeEach(async () => {
  ;({ dir, cleanup } = await tempDir())
})
afterEach(() => cleanup())

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(['node', 'p2p-node', ...args], { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) })
  return { code, out: out.join(''), err: err.join('') }
}

describe('p2p-node CLI', () => {
  it('has --help on every command, listing the exit codes', async () => {
    const top = await cli('--help')
    expect(top.code).toBe(0)
    expect(top.out).toContain('Exit codes:')
    for (const cmd of ['init', 'show-node-id', 'start', 'seed', 'testnet']) {
      const r = await cli(cmd, '--help')
      expect(r.code, cmd).toBe(0)
      expect(r.out, cmd).toContain(`Usage: p2p-node ${cmd}`)
    }
    expect((await cli('start', '--help')).out).toContain('--seeds <list>')
    expect((await cli('testnet', '--help')).out).toContain('--timeout <duration>')
  })

  it('init writes a home and show-node-id prints its ID', async () => {
    const home = join(dir, 'h')
    const init = await cli('init', '--home', home, '--chain-id', 'demo', '--moniker', 'alice', '--seeds', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@1.2.3.4:26656')
    expect(init.code).toBe(0)
    const id = /node ID ([0-9a-f]{40})/.exec(init.out)?.[1]
    expect(id).toBeDefined()
    const show = await cli('show-node-id', '--home', home)
    expect(show).toEqual({ code: 0, out: `${id}\n`, err: '' })
    expect(await readFile(join(home, 'config', 'config.toml'), 'utf8')).toContain('seeds = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@1.2.3.4:26656"')
    // the node key never reaches the output
    const key = JSON.parse(await readFile(join(home, 'config', 'node_key.json'), 'utf8')) as { priv_key: { value: string } }
    expect(init.out + show.out).not.toContain(key.priv_key.value)
  })

  it('usage errors exit 2 with commander\'s one-line message', async () => {
    const bogus = await cli('start', '--bogus')
    expect(bogus.code).toBe(EXIT_CODES.USAGE)
    expect(bogus.err).toMatch(/^error: unknown option '--bogus'/)
    const badNumber = await cli('start', '--max-inbound', 'many')
    expect(badNumber.code).toBe(EXIT_CODES.USAGE)
    expect(badNumber.err).toContain("'--max-inbound <n>' argument 'many' is invalid")
    expect((await cli('testnet', '--timeout', 'soon')).code).toBe(EXIT_CODES.USAGE)
    expect((await cli('frobnicate')).code).toBe(EXIT_CODES.USAGE)
  })

  it('bad input: one line naming the file, key or flag, exit 3, no stack trace', async () => {
    const home = join(dir, 'h')
    const cases: Array<[string[], RegExp]> = [
      [['start', '--home', join(dir, 'missing')], /home directory .*missing does not exist/],
      [['show-node-id', '--home', join(dir, 'missing')], /node_key\.json not found/]
    ]
    for (const [args, re] of cases) {
      const r = await cli(...args)
      expect(r.code, args.join(' ')).toBe(EXIT_CODES.CONFIG)
      expect(r.err, args.join(' ')).toMatch(re)
      expect(r.err.trim().split('\n')).toHaveLength(1)
    }
    await cli('init', '--home', home)
    const badFlag = await cli('start', '--home', home, '--seeds', 'not-an-address')
    expect(badFlag.code).toBe(EXIT_CODES.CONFIG)
    expect(badFlag.err).toBe('p2p-node: error: --seeds: p2p.seeds[0]: address (not-an-address) does not contain ID\n')

    const toml = join(home, 'config', 'config.toml')
    await writeFile(toml, (await readFile(toml, 'utf8')).replace(/^send_rate = .*$/m, 'send_rate = "fast"'))
    const badToml = await cli('start', '--home', home)
    expect(badToml.code).toBe(EXIT_CODES.CONFIG)
    expect(badToml.err).toBe(`p2p-node: error: ${toml}: p2p.send_rate must be an integer, got string "fast"\n`)

    const home2 = join(dir, 'h2')
    await cli('init', '--home', home2)
    const keyFile = join(home2, 'config', 'node_key.json')
    await writeFile(keyFile, 'garbage')
    for (const cmd of ['start', 'show-node-id']) {
      const r = await cli(cmd, '--home', home2)
      expect(r.code).toBe(EXIT_CODES.CONFIG)
      expect(r.err).toBe(`p2p-node: error: node key file ${keyFile}: not JSON\n`)
    }
    expect(await readFile(keyFile, 'utf8')).toBe('garbage')
  })
})

describe('describeError', () => {
  it('one line, the exit code by kind, the moved-aside file named once', async () => {
    const { describeError } = await import('../src/cli/describe-error.js')
    const { ConfigError, CorruptFileError } = await import('@p2p/types')
    expect(describeError(new ConfigError('p2p.laddr', 'bad\n  value'))).toEqual({ message: 'bad value', exitCode: 3 })
    const moved = new CorruptFileError('/h/addrbook.json', 'addrbook /h/addrbook.json is not JSON; moved it to /h/x', { movedTo: '/h/x' })
    expect(describeError(moved).message).toBe('addrbook /h/addrbook.json is not JSON; moved it to /h/x')
    const quiet = new CorruptFileError('/h/addrbook.json', 'addrbook /h/addrbook.json is not JSON', { movedTo: '/h/x' })
    expect(describeError(quiet).message).toBe('addrbook /h/addrbook.json is not JSON (the file was moved aside to /h/x, not overwritten)')
    expect(describeError(Object.assign(new Error('accept'), { code: 'EMFILE' })).exitCode).toBe(4)
    expect(describeError(new TypeError('boom'))).toEqual({ message: 'boom', exitCode: 1 })
  })

  it('--version prints the package version', async () => {
    const r = await cli('--version')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^\d+\.\d+\.\d+/)
  })
})
