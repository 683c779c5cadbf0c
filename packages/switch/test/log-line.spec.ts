import { DialError, MisbehaviourError, RejectedError, TimeoutError } from '@p2p/types'
import { describe, expect, it } from 'vitest'
import { peerAddress, typedReason } from '../src/log-line.js'

describe('typedReason', () => {
  it('names the typed error and its discriminant, then the message', () => {
    expect(typedReason(new MisbehaviourError('bad-message', 'too long'))).toBe('MisbehaviourError:bad-message: too long')
    expect(typedReason(new RejectedError('duplicate-id', 'already connected'))).toMatch(/^RejectedError:duplicate-id: /)
    expect(typedReason(new TimeoutError('handshake', 100))).toMatch(/^TimeoutError:handshake: /)
    expect(typedReason(new DialError('1.2.3.4:5', 'refused'))).toBe('DialError: refused')
    expect(typedReason(undefined)).toBe('none')
  })
  it('never copies an unbounded name or discriminant', () => {
    const e = Object.assign(new Error('m'), { name: 'x'.repeat(100), kind: 'Not A Kind' })
    expect(typedReason(e)).toBe('Error: m')
  })
  it('formats id@ip:port', () => {
    expect(peerAddress('ab', { ip: '127.0.0.1', port: 26656 })).toBe('ab@127.0.0.1:26656')
  })
})
