/**
 * @packageDocumentation
 *
 * Shared vitest suites, one per `@p2p/types` interface, that any implementation can run to show
 * it can replace ours. Each suite lives at its own subpath (`@p2p/compliance-tests/addrbook`,
 * ...) and is a function taking a {@link TestSetup}.
 *
 * @example
 * ```ts
 * // test/compliance.spec.ts of a package implementing AddrBook
 * import suite from '@p2p/compliance-tests/addrbook'
 * import { myAddrBook } from '../src/index.js'
 *
 * suite({
 *   async setup () { return myAddrBook({ strict: false }) },
 *   async teardown () {}
 * })
 * ```
 */

/** Builds a fresh instance for every test and releases it afterwards. */
export interface TestSetup<T, Args = Record<string, never>> {
  /** A fresh instance for one test (`args` as the suite documents them). */
  setup(args?: Args): Promise<T>
  /** Stops `instance` and releases what it holds (files, sockets). */
  teardown(instance: T): Promise<void>
}
