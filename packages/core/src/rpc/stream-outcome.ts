/**
 * What a caller's interceptor returns for a stream call, as the AsyncIterableIterator the
 * caller expects: the stream itself, a promise of it (an `async` interceptor), or an error
 * (an interceptor that threw or returned something else), which the first `next()` rejects
 * with. So an interceptor written as an `async` function works for streams too, and a failing
 * one never throws where the call is made.
 */

/** The stream `outcome` stands for. */
export function streamOutcome(make: () => unknown, procedure: string): AsyncIterableIterator<unknown> {
  let outcome: unknown
  try {
    outcome = make()
  } catch (error) {
    return new DeferredStream(Promise.reject(error))
  }
  if (isAsyncIterable(outcome)) return asIterableIterator(outcome)
  if (isThenable(outcome)) return new DeferredStream(Promise.resolve(outcome).then((resolved) => iteratorOf(resolved, procedure)))
  return new DeferredStream(Promise.reject(notAStream(outcome, procedure)))
}

/** A stream known only once a promise settles: `next()`, `return()` and `throw()` wait for it. */
export class DeferredStream implements AsyncIterableIterator<unknown> {
  readonly #iterator: Promise<AsyncIterator<unknown>>

  constructor(iterator: Promise<AsyncIterator<unknown>>) {
    this.#iterator = iterator
    iterator.catch(() => undefined) // rejected for whoever calls next(); not unhandled if nobody does
  }

  async next(): Promise<IteratorResult<unknown>> {
    return (await this.#iterator).next()
  }

  async return(value?: unknown): Promise<IteratorResult<unknown>> {
    const iterator = await this.#iterator.catch(() => undefined)
    return iterator?.return === undefined ? { done: true, value } : iterator.return(value)
  }

  async throw(error?: unknown): Promise<IteratorResult<unknown>> {
    const iterator = await this.#iterator
    if (iterator.throw === undefined) throw error
    return iterator.throw(error)
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this
  }
}

function iteratorOf(value: unknown, procedure: string): AsyncIterator<unknown> {
  if (!isAsyncIterable(value)) throw notAStream(value, procedure)
  return value[Symbol.asyncIterator]()
}

function asIterableIterator(stream: AsyncIterable<unknown>): AsyncIterableIterator<unknown> {
  const candidate = stream as Partial<AsyncIterableIterator<unknown>>
  return typeof candidate.next === 'function' ? (stream as AsyncIterableIterator<unknown>) : new DeferredStream(Promise.resolve(stream[Symbol.asyncIterator]()))
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as Partial<AsyncIterable<unknown>> | null)?.[Symbol.asyncIterator] === 'function'
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as Partial<PromiseLike<unknown>> | null)?.then === 'function'
}

function notAStream(value: unknown, procedure: string): TypeError {
  return new TypeError(`A call interceptor of stream "${procedure}" returned ${value === null ? 'null' : typeof value}, not the stream (an AsyncIterable, or a promise of one) that next() returned`)
}
