/**
 * The object behind `worker.call`, `pool.call` and `ctx.host`: one function per procedure of
 * a contract on a frozen, null-prototype object, so that it is not thenable and `toJSON`,
 * `then` or a typo are simply undefined. Each function never throws: whatever goes wrong is a
 * rejected promise, or for a stream an iterator whose first `next()` rejects. A failed call's
 * error gets the frames of the code that awaited it (caller-stack.ts).
 */
import type { AnyDeclaration, Contract } from '../contract/define-contract.js'
import { AsyncQueue } from './async-queue.js'
import { joinCallerFrames } from './caller-stack.js'

/** Where the call object sends its calls. */
export interface CallTarget {
  /** A procedure's or an input stream's call. May throw: the call object rejects with it. */
  call(name: string, declared: AnyDeclaration, input: unknown, options: unknown): Promise<unknown>
  /** A stream's call: its iterator, made at once (a stream starts on the first `next()`). */
  stream(name: string, declared: AnyDeclaration, input: unknown, options: unknown): AsyncIterableIterator<unknown>
  /** Whether a failed call's error gets the caller's frames (`callerStacks`). */
  readonly joinsStacks: boolean
}

/** Builds the call object of `contract`, sending every call to `target`. */
export function createCallObject(contract: Contract, target: CallTarget): Readonly<Record<string, (input?: unknown, options?: unknown) => unknown>> {
  const call = Object.create(null) as Record<string, (input?: unknown, options?: unknown) => unknown>
  for (const name of contract.names) {
    const declared = contract.procedures[name] as AnyDeclaration
    const fn = declared.kind === 'stream' ? streamFunction(name, declared, target) : callFunction(name, declared, target)
    Object.defineProperty(fn, 'name', { value: name })
    Object.defineProperty(call, name, { value: fn, enumerable: true })
  }
  return Object.freeze(call)
}

function callFunction(name: string, declared: AnyDeclaration, target: CallTarget): (input?: unknown, options?: unknown) => Promise<unknown> {
  const joins = target.joinsStacks
  return (input, options) => {
    let outcome: Promise<unknown>
    try {
      outcome = target.call(name, declared, input, options)
    } catch (error) {
      outcome = Promise.reject(error)
    }
    return joins ? outcome.then(undefined, joinFramesOnFailure) : outcome
  }
}

/**
 * A failed call's error gets the frames of the code awaiting it: this runs as a reaction of
 * the call's promise, where V8's async stack trace leads to the async functions awaiting the
 * promise `then` returned (the one the caller got). One shared function, so a call costs a
 * derived promise and nothing more while it succeeds (an `async` wrapper kept its suspended
 * frame alive for as long as the call was pending: ~440 bytes per pending call).
 */
function joinFramesOnFailure(error: unknown): never {
  throw joinCallerFrames(error, joinFramesOnFailure)
}

function streamFunction(name: string, declared: AnyDeclaration, target: CallTarget): (input?: unknown, options?: unknown) => AsyncIterableIterator<unknown> {
  return (input, options) => {
    try {
      return target.stream(name, declared, input, options)
    } catch (error) {
      return failedIterator(error)
    }
  }
}

/** An iterator whose first `next()` rejects with `error`. */
export function failedIterator(error: unknown): AsyncIterableIterator<unknown> {
  const queue = new AsyncQueue<unknown>()
  queue.end(error)
  return queue
}
