/**
 * The child's side of a stream procedure: pulls chunks from the handler's async iterable
 * only while it has credit, sends each one, and stops the iterable (so a generator's
 * `finally` runs) when the parent cancels, breaks or times out.
 */
import { debug } from './debug.js'

/**
 * Pumps one stream. Credit starts at the window the parent asked for and grows with each
 * `k` message; with none left, the producer waits before pulling the next chunk, so at
 * most `window` chunks are ever unacknowledged.
 *
 * @example
 * ```ts
 * const producer = new StreamProducer(16, context.signal)
 * await producer.run(handler(input, context), (chunk) => sendChunk(id, chunk))
 * ```
 */
export class StreamProducer {
  #credit: number
  #wake: (() => void) | undefined
  readonly #signal: AbortSignal

  constructor(window: number, signal: AbortSignal) {
    this.#credit = window
    this.#signal = signal
    signal.addEventListener('abort', () => this.#wake?.(), { once: true })
  }

  /** The parent's consumer took `n` more chunks. */
  grant(n: number): void {
    this.#credit += n
    this.#wake?.()
  }

  /**
   * Sends the iterable's chunks until it is done (resolves), throws (rejects with its
   * error), `send` throws (rejects with that), or the signal aborts (resolves). In every
   * case but the first, the iterator's `return()` is called, so a generator's `finally` runs.
   */
  async run(iterable: AsyncIterable<unknown>, send: (chunk: unknown) => void): Promise<void> {
    const iterator = iterable[Symbol.asyncIterator]()
    let exhausted = false
    try {
      for (;;) {
        if (this.#credit <= 0 && !this.#signal.aborted) await new Promise<void>((resolve) => (this.#wake = resolve))
        this.#wake = undefined
        if (this.#signal.aborted) return
        // Once next() has thrown or said done, the iterator is finished: no return() then.
        exhausted = true
        const step = await iterator.next()
        if (step.done === true) return
        exhausted = false
        if (this.#signal.aborted) return
        this.#credit--
        send(step.value)
      }
    } finally {
      if (!exhausted) await stop(iterator)
    }
  }
}

async function stop(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    await iterator.return?.()
  } catch (error) {
    debug('a stream handler threw while stopping: %o', error)
  }
}
