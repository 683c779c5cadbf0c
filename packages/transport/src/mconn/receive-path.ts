import { type ConnectionHandlers, ConnectionClosedError, MessageTooLargeError, ProtocolError, withoutStack } from '@p2p/types'
import type { Channel } from './channel.js'
import { CLOSED, FLUSHING, RUNNING } from './connection-state.js'
import { asConnectionError, asProtocolError } from './errors.js'
import { FlowRate } from './flow-rate.js'
import { queuePong } from './keepalive.js'
import type { MConnection } from './mconnection.js'
import { RECV } from './metrics.js'
import { PACKET_MSG, PACKET_PING, PacketView } from './packet-codec.js'
import { PacketReader } from './packet-reader.js'

/*
 * The receive path of an MConnection (Go's `recvRoutine`): bytes from the stream are cut into
 * packets, charged to the receive limiter, and handed on (a message to its channel and
 * `onReceive`, a ping to the pong, a pong to the keep-alive). Plain functions of the connection,
 * not an object of their own: the reader, view and limiter are the connection's fields, built
 * by its first bytes, so a connection costs nothing more here.
 */

/** The stream's `onData`. */
export function receiveData(conn: MConnection, chunk: Uint8Array, wireBytes: number | undefined): void {
  if (conn.state !== RUNNING) return
  conn.bytesReceived += chunk.length
  // Packets are charged as they are read; the framing around them (a 1044-byte frame may carry
  // a 3-byte ping) is charged on arrival, so a flood of near-empty frames is limited too.
  if (conn.recvLimited && wireBytes !== undefined && wireBytes > chunk.length) recvLimiter(conn).update(wireBytes - chunk.length)
  let reader = conn.reader
  if (reader === undefined) {
    conn.reader = reader = new PacketReader(conn.layout.maxRecvPacketSize)
    conn.view = new PacketView()
  }
  reader.push(chunk)
  if (conn.recvRateTimer === undefined) processReceived(conn)
}

function recvLimiter(conn: MConnection): FlowRate {
  if (conn.recvMonitor === undefined) conn.recvMonitor = new FlowRate(conn.opts.now, conn.opts.recvRate)
  return conn.recvMonitor
}

/** The stream's `onEnd`. */
export function receiveEnd(conn: MConnection, error: Error | undefined): void {
  if (conn.state === CLOSED || conn.remoteEnd !== undefined) return
  conn.remoteEnd = { error }
  if (conn.state === FLUSHING) {
    conn.stop(conn.flushStopReason)
    return
  }
  // Deliver what arrived before the end (a seed's reply precedes its hang-up).
  if (conn.recvRateTimer === undefined) processReceived(conn)
}

function processReceived(conn: MConnection): void {
  const reader = conn.reader
  if (reader !== undefined && !readPackets(conn, reader, conn.view as PacketView)) return
  if (conn.state !== RUNNING) return
  if (conn.recvPaused) {
    conn.recvPaused = false
    conn.stream.resume()
  }
  if (conn.remoteEnd !== undefined) {
    const { error } = conn.remoteEnd
    // The peer hanging up is routine: no stack is captured for it.
    if (error === undefined) conn.stop(withoutStack(() => new ConnectionClosedError('connection closed by peer')))
    else conn.stop(asConnectionError(error, error.message))
  }
}

/** Reads and handles packets; false when it paused for the rate limiter or stopped. */
function readPackets(conn: MConnection, reader: PacketReader, view: PacketView): boolean {
  while (conn.state === RUNNING) {
    if (conn.recvLimited) {
      // Go checks the limiter before reading each packet; pausing the stream pushes back on TCP.
      const wait = recvLimiter(conn).delay(conn.opts.recvRate)
      if (wait > 0) {
        if (!conn.recvPaused) {
          conn.recvPaused = true
          conn.stream.pause()
        }
        conn.ctx.metrics?.rateLimited.increment(wait / 1000, RECV)
        conn.recvRateTimer = setTimeout(() => {
          conn.recvRateTimer = undefined
          processReceived(conn)
        }, wait)
        return false
      }
    }
    let size: number
    try {
      size = reader.next(view)
    } catch (err) {
      conn.stop(asProtocolError(err))
      return false
    }
    if (size === 0) break
    if (conn.recvLimited) recvLimiter(conn).update(size)
    if (view.kind === PACKET_MSG) receiveMsg(conn, view, reader)
    else if (view.kind === PACKET_PING) {
      if (conn.control !== undefined) conn.control.pingsReceived++
      queuePong(conn)
    } else {
      if (conn.control !== undefined) conn.control.pongsReceived++
      conn.keepAlive?.pongReceived()
    }
  }
  return true
}

function receiveMsg(conn: MConnection, view: PacketView, reader: PacketReader): void {
  const id = view.channelId
  const index = id >= 0 && id <= 0xff ? (conn.layout.indexById[id] as number) : -1
  if (index < 0) {
    const hex = id < 0 ? `-${(-id).toString(16)}` : id.toString(16)
    conn.stop(new ProtocolError(`unknown channel ${hex.toUpperCase()}`))
    return
  }
  const channel = conn.channels[index] as Channel
  const limit = conn.layout.maxRecvPacket[index] as number
  if (reader.packetLength > limit) {
    conn.stop(new MessageTooLargeError(reader.packetLength, limit))
    return
  }
  let message: Uint8Array | undefined
  try {
    message = channel.receive(reader.buffer, view.dataStart, view.dataEnd, view.eof, reader.fromScratch)
    if (message !== undefined) (conn.handlers as ConnectionHandlers).onReceive(id, message)
  } catch (err) {
    conn.stop(asProtocolError(err))
  }
}
