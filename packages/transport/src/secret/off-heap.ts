// V8 keeps a typed array of up to 64 bytes inside its own heap. The first time such an array is
// handed to a native call (libsodium through sodium-native, a socket write) or its `.buffer` is
// read, V8 moves its bytes out: a backing store, three or four mallocs, and a sweep when it dies,
// ≈ 1 µs each. A handshake did that about forty times (BENCHMARKS-transport.md §6, "Round 6").
// The small byte arrays that meet libsodium are instead views of ArrayBuffers that live outside
// the heap from the start: a connection's keys and nonces are carved from a shared slab, and the
// arguments of one synchronous call are copied into scratch buffers that are reused.

const SLAB_SIZE = 4096
let slab = new ArrayBuffer(SLAB_SIZE)
let used = 0

/**
 * `n` zeroed bytes outside V8's heap, for state that the transport keeps private (traffic keys,
 * nonces, ephemeral keys): never hand such a view to a caller, since its `.buffer` is shared
 * with other connections' state. A slab lives as long as any view of it, so a long-lived
 * connection can hold at most one 4 KiB slab alive.
 */
export function offHeapBytes(n: number): Uint8Array {
  // Arrays above 64 bytes are outside the heap anyway: one allocation of their own.
  if (n > 256) return new Uint8Array(n)
  if (used + n > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE)
    used = 0
  }
  const view = new Uint8Array(slab, used, n)
  used += n
  return view
}

/**
 * `n` zeroed bytes in an ArrayBuffer of their own, outside the heap: scratch for the arguments of
 * native calls made within one synchronous step, or a long-lived key.
 */
export function offHeapBuffer(n: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(n))
}

/**
 * `data` as a native call should get it: arrays small enough to sit on V8's heap are copied into
 * `scratch` (returned as a view of exactly their length); larger ones are passed as they are.
 * The view is valid until the next use of `scratch`.
 */
export function nativeArg(scratch: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length > 64 || data.length > scratch.length) return data
  scratch.set(data)
  return data.length === scratch.length ? scratch : scratch.subarray(0, data.length)
}

/**
 * `n` bytes, not zeroed, from Node's shared Buffer pool (outside V8's heap), as a plain
 * Uint8Array: for short-lived public bytes written to a socket, which would otherwise be moved
 * out of the heap on the write.
 */
export function pooledBytes(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n)
  return new Uint8Array(b.buffer, b.byteOffset, n)
}
