/**
 * The one check of a call's options, for every kind of call: procedures, streams and input
 * streams, on a worker, a pool or a test pair. A bad option is a TypeError; the call function
 * turns it into a rejected promise (or a stream whose first `next()` rejects), never a throw.
 */
import { checkFunction, checkObject } from '../base/option-checks.js'
import { checkTimeout, limitOf } from '../base/timeouts.js'
import type { AnyDeclaration } from '../contract/define-contract.js'
import { checkCredit } from '../contract/stream.js'

/** A call's options, checked and resolved against the procedure's and the caller's defaults. */
export interface CallSettings {
  readonly signal: AbortSignal | undefined
  /** The timeout in ms, or undefined for none (`0`, `Infinity` and no timeout at all). */
  readonly timeout: number | undefined
  /** The credit window of a stream or an input stream (the procedure's unless the call gives one). */
  readonly credit: number
  readonly onProgress: ((payload: unknown) => void) | undefined
  /** The procedure whose deadline `timeout` is, when the call inherited it. */
  readonly inheritedFrom?: string | undefined
}

/**
 * The deadline a call inherits from the call whose handler makes it (`ctx.host`): its
 * timeout is what is left of that deadline when that is less than its own.
 */
export interface InheritedDeadline {
  /** When it passes, as a `Date.now()` time. */
  readonly deadline: number
  /** The procedure of the call it belongs to. */
  readonly procedure: string
}

/**
 * The call's settings under `inherited`: the timeout is capped at the time left (at least 1
 * ms, so that a deadline already passed fails the call with TimeoutError at once).
 */
export function withDeadline(settings: CallSettings, inherited: InheritedDeadline): CallSettings {
  const left = Math.max(1, inherited.deadline - Date.now())
  if (settings.timeout !== undefined && settings.timeout <= left) return settings
  return { ...settings, timeout: left, inheritedFrom: inherited.procedure }
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
 */
export function readCallOptions(name: string, declared: AnyDeclaration, options: unknown, defaultTimeout: number | undefined): CallSettings {
  const where = `call "${name}"`
  if (options === undefined) return { signal: undefined, timeout: limitOf(declared.timeout ?? defaultTimeout), credit: creditOf(declared), onProgress: undefined }
  checkObject(options, `${where}: options`)
  const { signal, timeout, credit, onProgress } = options as RawCallOptions
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`${where}: options.signal must be an AbortSignal`)
  checkTimeout(timeout, 'timeout', where)
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
