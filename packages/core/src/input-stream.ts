/**
 * Input streams, the parent-to-child direction of a stream: the parent's pump sends the
 * chunks of the caller's iterable (with `StreamProducer`, the same credit and batching as
 * the child's streams), and the child's handler reads them from an `InputChunks` iterable
 * that grants credit back as it takes them.
 */
import { debug } from './debug.js'
import { StreamProducer } from './stream-producer.js'

/**
 * The parent's side of one input stream: pumps `source` into `send` while the call is in
 * flight; `stop()` (the call settled) stops it and the source's iterator.
 *
 * @example
 * ```ts
 * const pump = new InputPump(16)
 * pump.run(lines, (chunks, final) => channel.send({ t: 'y', i: id, v: chunks, f: final }))
 * ```
 */
export class InputPump {
  readonly #controller = new AbortController()
  readonly #producer: StreamProducer

  constructor(window: number) {
    this.#producer = new StreamProducer(window, this.#controller.signal)
  }

  /** The child's handler took `n` more chunks. */
  grant(n: number): void {
    this.#producer.grant(n)
  }

  /** The call settled: stop pulling from the source. */
  stop(): void {
    this.#controller.abort()
  }

  /** Resolves once the source is exhausted and its end sent; rejects with the source's (or a send's) error. */
  async run(source: AsyncIterable<unknown> | Iterable<unknown>, send: (chunks: unknown[], final: boolean) => void): Promise<void> {
    await this.#producer.run(toAsync(source), (chunks) => send(chunks, false))
    if (!this.#controller.signal.aborted) send([], true)
  }
}

/** True for what an input stream accepts: an AsyncIterable or an Iterable (not a string). */
export function isChunkSource(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  if (typeof value !== 'object' || value === null) return false
  return typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function' || typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function'
}

function toAsync(source: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> {
  if (Symbol.asyncIterator in source) return source
  return (async function* () {
    yield* source
  })()
}

/**
 * The child's side: the AsyncIterable an input stream handler reads. Chunks the parent
 * sent wait in a buffer bounded by the credit window; each half window taken is granted
 * back. The iteration fails with the handler's abort reason if its signal aborts.
 *
 * @example
 * ```ts
 * const chunks = new InputChunks(16, context.signal, (n) => channel.send({ t: 'k', i: id, n }))
 * handler(chunks, context)
 * ```
 */
export class InputChunks implements AsyncIterableIterator<unknown> {
  readonly #buffer: unknown[] = []
  #ended = false
  #untaken = 0
  #waiter: { resolve(result: IteratorResult<unknown>): void; reject(reason: unknown): void } | undefined
  readonly #window: number
  readonly #signal: AbortSignal
  readonly #grant: (n: number) => void

  constructor(window: number, signal: AbortSignal, grant: (n: number) => void) {
    this.#window = window
    this.#signal = signal
    this.#grant = grant
    signal.addEventListener('abort', () => this.#wake(), { once: true })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** Chunks from the parent; `final` when no more will come. */
  push(chunks: unknown[], final: boolean): void {
    if (this.#buffer.length + chunks.length > this.#window) debug('the parent sent more chunks than the credit allows')
    for (const chunk of chunks) this.#buffer.push(chunk)
    if (final) this.#ended = true
    this.#wake()
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.#buffer.length > 0) return Promise.resolve({ done: false, value: this.#take() })
    if (this.#signal.aborted) return Promise.reject(this.#signal.reason)
    if (this.#ended) return Promise.resolve({ done: true, value: undefined })
    if (this.#waiter !== undefined) return Promise.reject(new TypeError('next() called again before the previous next() settled'))
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }))
  }

  /** The handler stopped reading: the rest is dropped (the parent stops when the call settles). */
  return(): Promise<IteratorResult<unknown>> {
    this.#buffer.length = 0
    this.#ended = true
    return Promise.resolve({ done: true, value: undefined })
  }

  #take(): unknown {
    const value = this.#buffer.shift()
    this.#untaken++
    if (this.#untaken >= Math.max(1, this.#window >> 1) && !this.#ended) {
      this.#grant(this.#untaken)
      this.#untaken = 0
    }
    return value
  }

  #wake(): void {
    const waiter = this.#waiter
    if (waiter === undefined) return
    this.#waiter = undefined
    this.next().then(waiter.resolve, waiter.reject)
  }
}
