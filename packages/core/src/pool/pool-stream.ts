/**
 * A stream call through a pool: the AsyncIterableIterator that `pool.call.x()` returns at
 * once. Its first `next()` submits its task; once a worker takes it, the worker's own stream
 * iterator answers every `next()`, and the task holds that worker's slot until the stream
 * ends: done, failed (its worker died: WorkerExitedError), broken off, aborted or timed out.
 * While queued, it fails with what fails a queued call (its timeout, its signal, the pool
 * closing); a `break` then just takes it out of the queue. A stream is never retried: its
 * consumer may have had chunks already.
 */
import type { TaskTarget, WorkerCallOptions } from './task-call.js'

/** Waiting for a worker: the promise the first `next()`s wait on, and its functions. */
interface Waiting {
  readonly attached: Promise<AsyncIterableIterator<unknown>>
  readonly resolve: (inner: AsyncIterableIterator<unknown>) => void
  readonly reject: (reason: unknown) => void
}

/** Why a stream its consumer broke off leaves the queue: no failure, `return()` has ended its waiting `next()`s already. */
const BROKEN_OFF = Symbol('the consumer broke off')

/** What the `next()`s that waited for a worker get once the consumer broke off. */
const DONE: AsyncIterableIterator<unknown> = {
  next: () => Promise.resolve({ done: true, value: undefined }),
  [Symbol.asyncIterator]() {
    return this
  },
}

export class PoolStream implements AsyncIterableIterator<unknown> {
  readonly #name: string
  readonly #declared: Parameters<TaskTarget['stream']>[1]
  readonly #input: unknown
  /** Submits the task; `withdraw` takes it out of the queue if it is still there. */
  readonly #submit: (stream: PoolStream) => { withdraw(reason: unknown): void }
  #submitted: { withdraw(reason: unknown): void } | undefined
  #waiting: Waiting | undefined
  #inner: AsyncIterableIterator<unknown> | undefined
  /** Frees the worker's slot: once, when the stream ends. */
  #release: ((error?: unknown) => void) | undefined
  #stopWatching: (() => void) | undefined
  /** Broken off before a worker took it: done. */
  #brokenOff = false

  constructor(name: string, declared: Parameters<TaskTarget['stream']>[1], input: unknown, submit: (stream: PoolStream) => { withdraw(reason: unknown): void }) {
    this.#name = name
    this.#declared = declared
    this.#input = input
    this.#submit = submit
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<unknown>> {
    if (this.#brokenOff) return { done: true, value: undefined }
    const inner = this.#inner ?? (await this.#attached())
    try {
      const result = await inner.next()
      if (result.done === true) this.#end()
      return result
    } catch (error) {
      this.#end(error)
      throw error
    }
  }

  /** `break`: stops the worker's generator if it runs, or takes the call out of the queue. */
  async return(): Promise<IteratorResult<unknown>> {
    const inner = this.#inner
    if (inner === undefined) {
      this.#brokenOff = true
      this.#submitted?.withdraw(BROKEN_OFF)
      this.#waiting?.resolve(DONE)
      return { done: true, value: undefined }
    }
    this.#end()
    return inner.return?.() ?? { done: true, value: undefined }
  }

  /** A worker took the call: opens its stream there; settles once the stream has ended. */
  runOn(target: TaskTarget, options: WorkerCallOptions): Promise<unknown> {
    const inner = target.stream(this.#name, this.#declared, this.#input, options)
    this.#inner = inner
    this.#waiting?.resolve(inner)
    const signal = options.signal
    if (signal !== undefined) {
      // An abort ends the stream even while its consumer does not read.
      const onAbort = (): void => this.#end(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
      this.#stopWatching = () => signal.removeEventListener('abort', onAbort)
    }
    return new Promise((resolve, reject) => (this.#release = (error) => (error === undefined ? resolve(undefined) : reject(error))))
  }

  /** The task failed before a worker took it (timeout, signal, closed pool, full queue): the next `next()` rejects. */
  failed(error: unknown): void {
    if (this.#inner !== undefined || error === BROKEN_OFF) return
    this.#waitingFor().reject(error)
  }

  #attached(): Promise<AsyncIterableIterator<unknown>> {
    if (this.#submitted === undefined) this.#submitted = this.#submit(this)
    return this.#inner === undefined ? this.#waitingFor().attached : Promise.resolve(this.#inner)
  }

  #waitingFor(): Waiting {
    if (this.#waiting === undefined) {
      let resolve!: Waiting['resolve']
      let reject!: Waiting['reject']
      const attached = new Promise<AsyncIterableIterator<unknown>>((res, rej) => ((resolve = res), (reject = rej)))
      attached.catch(() => undefined) // rejected before any next() waits: the next one gets it
      this.#waiting = { attached, resolve, reject }
    }
    return this.#waiting
  }

  #end(error?: unknown): void {
    this.#stopWatching?.()
    this.#stopWatching = undefined
    const release = this.#release
    this.#release = undefined
    release?.(error)
  }
}
