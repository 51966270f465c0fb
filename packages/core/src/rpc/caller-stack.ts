/**
 * The caller's stack in a failed call's error, so that one trace shows both sides.
 *
 * Recording a stack when a call is made costs a few µs, more than the rest of the caller's
 * work on a call, and is wasted on every call that succeeds. So nothing is recorded then:
 * the call's promise has one rejection handler (call-object.ts), and when a call fails, its
 * error gets the frames of the code that awaits it, which V8 keeps for free (its async stack traces: the
 * `at async yourFunction (file:line)` frames). An error from the other side keeps its own
 * stack (the handler's frames), followed by an `at <forkrpc call "name" from the parent>`
 * line and the caller's frames; an error made on this side (a timeout, an exit) gets the
 * caller's frames instead of the timer's or listener's it was made in.
 */

/** How an error wants the caller's frames, by error. */
const joins = new WeakMap<object, 'append' | 'replace'>()

/**
 * An error rebuilt from the other side's: its stack is the handler's; it gets the line that
 * marks the crossing now, and the caller's frames when the call function rethrows it.
 */
export function fromOtherSide(error: unknown, procedure: string, side: 'parent' | 'worker'): unknown {
  if (typeof error !== 'object' || error === null || !(error instanceof Error)) return error
  Object.defineProperty(error, 'stack', { value: `${stackOf(error)}\n    at <forkrpc call "${procedure}" from the ${side}>`, writable: true, configurable: true })
  joins.set(error, 'append')
  return error
}

/**
 * An error made on this side for a call (a timeout, an exit, a refusal): its stack is replaced
 * with the caller's frames when the call function rethrows it.
 */
export function madeHere<E>(error: E): E {
  if (typeof error === 'object' && error !== null) joins.set(error, 'replace')
  return error
}

/**
 * Joins the frames of the code awaiting `fn` (an async call function, rethrowing `error`) to
 * `error`'s stack, as `fromOtherSide` / `madeHere` asked. Other errors pass as they are: an
 * AbortSignal's reason, an interceptor's own error.
 */
export function joinCallerFrames(error: unknown, fn: (...args: never[]) => unknown): unknown {
  const mode = typeof error === 'object' && error !== null ? joins.get(error) : undefined
  if (mode === undefined) return error
  joins.delete(error as object)
  const here: { stack?: string } = {}
  Error.captureStackTrace(here, fn)
  const frames = framesOf(here.stack ?? '')
  const own = error as Error
  const stack = mode === 'append' ? `${stackOf(own)}${frames}` : `${headline(own)}${frames}`
  Object.defineProperty(own, 'stack', { value: stack, writable: true, configurable: true })
  return error
}

/**
 * The frames of a captured stack, without its first (message) line and without Node's own
 * frames (the timer or tick queue that resumed the caller), which say nothing of the call.
 */
function framesOf(stack: string): string {
  const lines = stack.split('\n')
  let frames = ''
  for (let i = 1; i < lines.length; i++) if (!(lines[i] as string).includes('(node:internal/')) frames += `\n${lines[i] as string}`
  return frames
}

/** The error's stack, or its headline when it has none that is a string. */
function stackOf(error: Error): string {
  return typeof error.stack === 'string' ? error.stack : headline(error)
}

/** `name: message`, never throwing: the fields of an error from the other side may be anything. */
function headline(error: Error): string {
  const { name, message } = error as { name: unknown; message: unknown }
  return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : ''}`
}
