/**
 * The one async iterator forkrpc hands out: a queue that a producer pushes into and a
 * `for await` loop takes from, one `next()` at a time. A stream's chunks in the caller, an
 * input stream's chunks in the handler, and `events()` iterators are all one of these.
 */

/** What the owner of a queue hears about its consumer. */
export interface QueueHooks {
  /** An item was handed to the consumer. */
  taken?(): void
  /** The consumer started (true) or stopped (false) waiting for the next item. */
  waiting?(waiting: boolean): void
  /** The consumer stopped early (`break`, `return()`). */
  returned?(): void
}

type Ending = { readonly error: unknown; readonly failed: true } | { readonly failed: false }

/**
 * An AsyncIterableIterator fed by `push()` and finished by `end()`. Items pushed before the
 * end are delivered first; an error given to `end()` is thrown once, then the iterator is
 * done. A second `next()` while one is pending rejects with a TypeError.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = []
  #head = 0
  #ending: Ending | undefined
  #waiter: { resolve(result: IteratorResult<T>): void; reject(reason: unknown): void } | undefined
  readonly #hooks: QueueHooks

  constructor(hooks: QueueHooks = {}) {
    this.#hooks = hooks
  }

  /** Items waiting for the consumer. */
  get size(): number {
    return this.#items.length - this.#head
  }

  /** True once `end()` or `return()` was called. */
  get ended(): boolean {
    return this.#ending !== undefined
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Hands `item` to the waiting consumer, or keeps it for the next `next()`. Ignored once ended. */
  push(item: T): void {
    if (this.#ending !== undefined) return
    const waiter = this.#waiter
    if (waiter === undefined) {
      this.#items.push(item)
      return
    }
    this.#waiter = undefined
    this.#hooks.waiting?.(false)
    this.#hooks.taken?.()
    waiter.resolve({ done: false, value: item })
  }

  /**
   * No more items: the consumer gets what is buffered, then done (or `error`, thrown once).
   * With `discard`, what is buffered is dropped and the end comes at once.
   */
  end(error?: unknown, discard = false): void {
    if (this.#ending !== undefined) return
    this.#ending = error === undefined ? { failed: false } : { failed: true, error }
    if (discard) this.#clear()
    const waiter = this.#waiter
    if (waiter !== undefined && this.size === 0) {
      this.#waiter = undefined
      this.#hooks.waiting?.(false)
      this.#settle().then(waiter.resolve, waiter.reject)
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve({ done: false, value: this.#take() })
    if (this.#ending !== undefined) return this.#settle()
    if (this.#waiter !== undefined) return Promise.reject(new TypeError('next() called again before the previous next() settled'))
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject }
      this.#hooks.waiting?.(true)
    })
  }

  /** The consumer stops (`break`): what is buffered is dropped, and the queue is done. */
  return(): Promise<IteratorResult<T>> {
    const early = this.#ending === undefined
    this.#clear()
    this.#ending = { failed: false }
    if (early) this.#hooks.returned?.()
    return Promise.resolve({ done: true, value: undefined })
  }

  #take(): T {
    const item = this.#items[this.#head] as T
    this.#items[this.#head++] = undefined as T
    if (this.#head === this.#items.length) {
      this.#items.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head)
      this.#head = 0
    }
    this.#hooks.taken?.()
    return item
  }

  #clear(): void {
    this.#items.length = 0
    this.#head = 0
  }

  /** The result of next() once the queue is empty and ended; an error is thrown once. */
  #settle(): Promise<IteratorResult<T>> {
    const ending = this.#ending as Ending
    if (!ending.failed) return Promise.resolve({ done: true, value: undefined })
    this.#ending = { failed: false }
    return Promise.reject(ending.error)
  }
}
