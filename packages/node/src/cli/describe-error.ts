import { EXIT } from './exit-codes.js'

/** Errors that mean the operator's input is wrong: reported as one line, exit {@link EXIT.CONFIG}. */
const CONFIG_ERRORS = new Set([
  'ConfigError',
  'CorruptFileError',
  'MissingComponentError',
  'InvalidArgumentError',
  'NetAddressError',
  'InvalidNodeIdError',
  'NodeInfoError'
])

export interface DescribedError {
  readonly message: string
  readonly exitCode: number
}

/** One line for an operator and an exit status; never a stack trace. */
export function describeError(err: unknown): DescribedError {
  if (!(err instanceof Error)) return { message: String(err), exitCode: EXIT.FAILURE }
  let message = err.message.replace(/\s*\n\s*/g, ' ').trim()
  const movedTo = (err as { movedTo?: unknown }).movedTo
  if (typeof movedTo === 'string' && !message.includes(movedTo)) message += ` (the file was moved aside to ${movedTo}, not overwritten)`
  if ((err as { resource?: unknown }).resource === true) return { message, exitCode: EXIT.RESOURCE }
  if (CONFIG_ERRORS.has(err.name)) return { message, exitCode: EXIT.CONFIG }
  const code = (err as { code?: unknown }).code
  if (code === 'EACCES' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return { message, exitCode: EXIT.CONFIG }
  if (code === 'EMFILE' || code === 'ENFILE') {
    return { message: `${message} (too many open files: raise the limit with ulimit -n)`, exitCode: EXIT.RESOURCE }
  }
  return { message, exitCode: EXIT.FAILURE }
}
