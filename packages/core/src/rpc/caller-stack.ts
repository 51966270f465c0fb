/**
 * The caller's stack: recorded where a call is made (while few calls are in flight), and
 * joined to the stack of the error the call fails with, so that one trace shows both sides.
 */

/**
 * Where a call was made: an object whose `stack` Error.captureStackTrace filled in, or
 * {@link WITHOUT_STACK} when none was recorded.
 *
 * @example
 * ```ts
 * const caller: CallerStack = {}
 * Error.captureStackTrace(caller, callProcedure)
 * ```
 */
export interface CallerStack {
  stack?: string
}

/** The caller of a call whose stack was not recorded. */
export const WITHOUT_STACK: CallerStack = Object.freeze({})

/**
 * The caller's stack (joined to a failed call's error) is recorded while fewer than this
 * many calls are in flight on the channel. Recording it costs a few µs per call: nothing next
 * to a lone call's round trip, but it would halve the throughput of pipelined calls, which get
 * the other side's frames and the `at <forkrpc call ...>` line without the caller's frames.
 */
export const CALLER_STACK_LIMIT = 16

/**
 * Replaces an error's stack (made in a timer or an event handler) with the caller's frames.
 *
 * @example
 * ```ts
 * reject(withCallerStack(timeoutError('add', 100), caller))
 * ```
 */
export function withCallerStack<E extends Error>(error: E, caller: CallerStack): E {
  if (caller.stack !== undefined) {
    Object.defineProperty(error, 'stack', { value: `${error.name}: ${error.message}${callerFrames(caller.stack)}`, writable: true, configurable: true })
  }
  return error
}

/**
 * What goes after the other side's frames in the stack of a call's error: the line that marks
 * the crossing, then the caller's frames.
 *
 * @example
 * ```ts
 * unmarshalThrown(data, registry, { procedure, stackSuffix: stackSuffix('add', caller, 'parent') })
 * ```
 */
export function stackSuffix(procedure: string, caller: CallerStack, side: 'parent' | 'worker'): string {
  return `\n    at <forkrpc call "${procedure}" from the ${side}>${caller.stack === undefined ? '' : callerFrames(caller.stack)}`
}

/** The frames of a captured stack, without its first (message) line. */
function callerFrames(stack: string): string {
  const newline = stack.indexOf('\n')
  return newline === -1 ? '' : stack.slice(newline)
}
