/*
 * Where an MConnection is in its life (its `state`), as small integers: the read path compares it
 * for every packet. The receive path and the keep-alive read it; only the connection sets it.
 */

export const NEW = 0
export const RUNNING = 1
/** `close({ flush: true })` is writing what was queued: no new messages, no pings. */
export const FLUSHING = 2
export const CLOSED = 3
