/**
 * A stream's span covers the stream: the iterator of a stream call (the caller's) or of a
 * stream handler (the worker's generator) is wrapped so that the span ends when the stream
 * does: done, failed (recorded), or stopped early with `return()` (a `break`, a cancel).
 * Interceptors may hand streams on as promises of them (`async` ones): those are followed.
 */
import { context, SpanStatusCode, type Context, type Span } from '@opentelemetry/api'
import { endFailed } from './span-outcome.js'

/**
 * Wraps what `next` returned for a stream (the caller's: its iterator; the handler's: its
 * AsyncIterable) so that `span` ends with the stream: the stream itself, or a promise of it (an
 * `async` interceptor further in), which gives a promise of the wrapped stream. Anything else is
 * not a stream: the span ends with an error and forkrpc fails the call with a TypeError.
 */
export function traceStream(outcome: unknown, span: Span, scope?: Context): unknown {
  const iterable = outcome as Partial<AsyncIterable<unknown>> | null
  const iterate = iterable?.[Symbol.asyncIterator]
  if (typeof iterate === 'function') {
    const iterator = scope === undefined ? iterate.call(iterable) : context.with(scope, () => iterate.call(iterable))
    return traceIterator(iterator, span, scope)
  }
  if (typeof (outcome as PromiseLike<unknown> | null)?.then === 'function') {
    return Promise.resolve(outcome).then(
      (stream) => traceStream(stream, span, scope),
      (error: unknown) => {
        endFailed(span, error)
        throw error
      },
    )
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: `not a stream (an AsyncIterable): ${outcome === null ? 'null' : typeof outcome}` })
  span.end()
  return outcome
}

/**
 * Wraps `iterator` so that `span` ends with it. With `scope`, each step runs inside that
 * context, so that a generator's body (which resumes in whoever calls `next()`) sees it as
 * the active context.
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
