/**
 * The one check of a call's options, for every kind of call: procedures, streams and input
 * streams, on a worker, a pool or a test pair. A bad option is a TypeError; the call function
 * turns it into a rejected promise (or a stream whose first `next()` rejects), never a throw.
 */
import { checkFunction, checkObject } from '../base/option-checks.js'
import { checkTimeout, limitOf } from '../base/timeouts.js'
import type { AnyDeclaration } from '../contract/define-contract.js'
import { checkCredit } from '../contract/stream.js'

/**
 * A call's options, checked and resolved against the procedure's and the caller's defaults.
 *
 * @example
 * ```ts
 * const { signal, timeout, credit, onProgress }: CallSettings = readCallOptions('add', declared, options, 1_000)
 * ```
 */
export interface CallSettings {
  readonly signal: AbortSignal | undefined
  /** The timeout in ms, or undefined for none (`0`, `Infinity` and no timeout at all). */
  readonly timeout: number | undefined
  /** The credit window of a stream or an input stream (the procedure's unless the call gives one). */
  readonly credit: number
  readonly onProgress: ((payload: unknown) => void) | undefined
}

interface RawCallOptions {
  signal?: unknown
  timeout?: unknown
  credit?: unknown
  onProgress?: unknown
}

/**
 * Checks the options of a call of `name` and resolves them: the call's timeout wins over the
 * procedure's, which wins over `defaultTimeout`. Throws a TypeError for a bad option.
 *
 * @example
 * ```ts
 * readCallOptions('lines', files.procedures.lines, { credit: 0 }, undefined) // throws: credit must be a whole number from 1 to 65536
 * ```
 */
export function readCallOptions(name: string, declared: AnyDeclaration, options: unknown, defaultTimeout: number | undefined): CallSettings {
  const where = `call "${name}"`
  if (options === undefined) return { signal: undefined, timeout: limitOf(declared.timeout ?? defaultTimeout), credit: creditOf(declared), onProgress: undefined }
  checkObject(options, `${where}: options`)
  const { signal, timeout, credit, onProgress } = options as RawCallOptions
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`${where}: options.signal must be an AbortSignal`)
  checkTimeout(timeout, where)
  checkFunction(onProgress, `${where}: options.onProgress`)
  if (credit !== undefined) {
    if (declared.kind === 'procedure') throw new TypeError(`${where}: options.credit is for streams and input streams; "${name}" is a procedure`)
    checkCredit(credit, where)
  }
  return {
    signal,
    timeout: limitOf(timeout ?? declared.timeout ?? defaultTimeout),
    credit: credit ?? creditOf(declared),
    onProgress: onProgress as ((payload: unknown) => void) | undefined,
  }
}

function creditOf(declared: AnyDeclaration): number {
  return declared.kind === 'procedure' ? 0 : declared.credit
}
