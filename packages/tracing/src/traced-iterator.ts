/**
 * A stream's span covers the stream: the iterator of a stream call (the caller's) or of a
 * stream handler (the worker's generator) is wrapped so that the span ends when the stream
 * does: done, failed (recorded), or stopped early with `return()` (a `break`, a cancel).
 */
import { context, type Context, type Span } from '@opentelemetry/api'
import { endFailed } from './span-outcome.js'

/**
 * Wraps `iterator` so that `span` ends with it. With `scope`, each step runs inside that
 * context, so that a generator's body (which resumes in whoever calls `next()`) sees it as
 * the active context.
 *
 * @example
 * ```ts
 * return traceIterator(next(call) as AsyncIterator<unknown>, span)
 * ```
 */
export function traceIterator<T>(iterator: AsyncIterator<T>, span: Span, scope?: Context): AsyncIterableIterator<T> {
  let open = true
  const run = <R>(step: () => R): R => (scope === undefined ? step() : context.with(scope, step))
  const ended = <R extends IteratorResult<T>>(result: R, done: boolean): R => {
    if (done && open) {
      open = false
      span.end()
    }
    return result
  }
  const failed = (error: unknown): never => {
    if (open) {
      open = false
      endFailed(span, error)
    }
    throw error
  }
  return {
    [Symbol.asyncIterator]() {
      return this
    },
    async next(...args: [] | [unknown]) {
      try {
        const result = await run(() => iterator.next(...args))
        return ended(result, result.done === true)
      } catch (error) {
        return failed(error)
      }
    },
    async return(value?: unknown) {
      try {
        const result = iterator.return === undefined ? { done: true as const, value: value as T } : await run(() => (iterator.return as NonNullable<typeof iterator.return>)(value))
        return ended(result, true)
      } catch (error) {
        return failed(error)
      }
    },
    async throw(error?: unknown) {
      try {
        if (iterator.throw === undefined) throw error
        const result = await run(() => (iterator.throw as NonNullable<typeof iterator.throw>)(error))
        return ended(result, result.done === true)
      } catch (thrown) {
        return failed(thrown)
      }
    },
  }
}
