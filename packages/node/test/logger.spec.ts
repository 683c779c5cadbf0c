import { Writable } from 'node:stream'
import { formatLogMessage, nodeLogger } from '@p2p/node'
import { describe, expect, it } from 'vitest'

function sink(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      cb()
    }
  })
  return {
    stream,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
  }
}

describe('formatLogMessage', () => {
  it('formats printf-style and never writes the content of byte arrays', () => {
    const secret = new Uint8Array([0xde, 0xad, 0xbe, 0xef])
    expect(formatLogMessage('got %s on %d: %e', [secret, 0x20, new Error('boom')])).toBe('got <4 bytes> on 32: boom')
    expect(formatLogMessage('%j', [{ key: secret, n: 1n }])).toBe('{"key":"<4 bytes>","n":"1"}')
    expect(formatLogMessage('100%% %s', ['done', 'extra', secret])).toBe('100% done extra <4 bytes>')
    expect(formatLogMessage('%s', [])).toBe('%s')
  })
})

describe('nodeLogger', () => {
  it('writes JSON lines with the component name; plain calls are debug, .error is warn', () => {
    const s = sink()
    const logger = nodeLogger({ level: 'debug', format: 'json', destination: s.stream })
    const log = logger.forComponent('p2p:switch')
    expect(log.enabled).toBe(true)
    log('peer %s added', 'abc')
    log.error('peer %s failed: %e', 'abc', new Error('bad frame'))
    log.trace('not written at debug')
    logger.info('node started')
    const lines = s.lines()
    expect(lines.map((l) => [l.level, l.component, l.msg])).toEqual([
      [20, 'p2p:switch', 'peer abc added'],
      [40, 'p2p:switch', 'peer abc failed: bad frame'],
      [30, undefined, 'node started']
    ])
  })

  it('drops what is below its level and reports it as not enabled', () => {
    const s = sink()
    const logger = nodeLogger({ level: 'info', format: 'json', destination: s.stream })
    const log = logger.forComponent('p2p:pex')
    expect(log.enabled).toBe(false)
    log('hidden')
    log.error('shown')
    expect(s.lines().map((l) => l.msg)).toEqual(['shown'])
  })

  it('writes one readable line per message in the pretty format', () => {
    const s = sink()
    const logger = nodeLogger({ level: 'info', format: 'pretty', destination: s.stream, colorize: false })
    logger.forComponent('p2p:transport').error('listener error %s', 'EMFILE')
    expect(s.text()).toMatch(/WARN.*p2p:transport: listener error EMFILE\n$/)
  })
})
