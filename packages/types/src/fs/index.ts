/**
 * File helpers shared by the layers that persist state (`@p2p/config`, `@p2p/addrbook`, …):
 * crash-safe atomic writes, clean-up of temporary files a killed writer left, and moving a
 * corrupt file aside. Node only; import as `@p2p/types/fs`.
 *
 * @packageDocumentation
 */
export { moveAside, removeStaleTempFiles, writeFileAtomic, type WriteFileAtomicOptions } from './atomic-write.js'
