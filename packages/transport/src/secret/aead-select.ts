import { type AeadBackend, nodeCryptoAead } from './aead.js'
import { sodiumAead } from './aead-sodium.js'

export type { AeadBackend, FrameAead } from './aead.js'

/** Every backend that loads here, fastest first (order measured in BENCHMARKS-secret.md). */
export function availableAeads(): AeadBackend[] {
  const sodium = sodiumAead()
  return sodium === undefined ? [nodeCryptoAead] : [sodium, nodeCryptoAead]
}

/** The backend used when the caller names none: the fastest one that loads here. */
export function defaultAead(): AeadBackend {
  return sodiumAead() ?? nodeCryptoAead
}
