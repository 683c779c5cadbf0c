import { connect, type Socket } from 'node:net'
import { AbortError, DialError, dialString, type NetAddress, TimeoutError } from '@p2p/types'
import type { ConnAbort } from '../util/conn-abort.js'

/**
 * The TCP connect of a dial: resolves with the connected socket, or destroys it and rejects with
 * `TimeoutError` (phase `dial`) after `timeoutMs`, `AbortError` when `abort` aborts, or
 * `DialError` for a socket error. Holds `abort`'s one listener until then.
 */
export function dialSocket(addr: NetAddress, abort: ConnAbort, timeoutMs: number): Promise<Socket> {
  const remote = dialString(addr)
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host: addr.ip, port: addr.port, noDelay: true })
    const timer = setTimeout(() => fail(new TimeoutError('dial', timeoutMs, `dial ${remote} timed out after ${timeoutMs} ms`)), timeoutMs)
    const onAbort = (): void => fail(new AbortError(`dial ${remote} aborted`))
    const cleanup = (): void => {
      clearTimeout(timer)
      abort.listen(undefined)
      socket.off('error', onError)
    }
    const fail = (err: Error): void => {
      cleanup()
      socket.destroy()
      reject(err)
    }
    const onError = (err: Error): void => fail(new DialError(remote, `dial ${remote}: ${err.message}`, { cause: err }))
    socket.once('error', onError)
    abort.listen(onAbort)
    socket.once('connect', () => {
      cleanup()
      resolve(socket)
    })
  })
}
