/**
 * The producer's side of credit-based flow control, for both directions: a stream handler's
 * chunks (to the caller) and an input stream's chunks (to the handler). It pulls from an
 * async iterable only while it has credit, so at most `window` chunks are ever unacknowledged,
 * and stops the iterable (so a generator's `finally` runs) when its signal aborts.
 */
import { debug } from '../base/debug.js'

/**
 * Pumps one stream. Credit starts at the window and grows with each grant, up to the window;
 * with none left, the producer waits before pulling the next chunk.
 *
 * Chunks pulled in one turn of the event loop go in one message (an array): a message per
 * chunk costs a system call each, and a fast generator would spend most of its time there.
 * The batch is sent when the turn ends, when the credit runs out, before an event of the
 * same call (so events and chunks keep their order), and before the end of the stream.
 */
export class ChunkProducer {
  /** Chunks it may still send: never more than the window, whatever the consumer grants. */
  #credit: number
  readonly #window: number
  #wake: (() => void) | undefined
  readonly #signal: AbortSignal
  #batch: unknown[] = []
  #flushTimer: NodeJS.Immediate | undefined
  #send: ((chunks: unknown[]) => void) | undefined
  #sendError: { error: unknown } | undefined
  /** What the chunks are, for errors: 'The input stream of "upload"'. */
  readonly #stream: string

  constructor(window: number, signal: AbortSignal, stream = 'A stream') {
    this.#stream = stream
    this.#credit = window
    this.#window = window
    this.#signal = signal
    signal.addEventListener('abort', () => this.#wake?.(), { once: true })
  }

  /**
   * The consumer took `count` more chunks. An honest consumer never grants back more than it
   * received, so credit never passes the window; a grant that would (a forged `k` / `ki`, a
   * few bytes saying "1e12") is capped there, or the producer would pull an iterable that
   * never waits into one ever-growing batch without yielding to the event loop.
   */
  grant(count: number): void {
    this.#credit = Math.min(this.#window, this.#credit + count)
    this.#wake?.()
  }

  /** Sends the chunks batched so far (an event of the same call must not overtake them). */
  flush(): void {
    if (this.#flushTimer !== undefined) {
      clearImmediate(this.#flushTimer)
      this.#flushTimer = undefined
    }
    if (this.#batch.length === 0 || this.#send === undefined || this.#signal.aborted) return
    const chunks = this.#batch
    this.#batch = []
    try {
      this.#send(chunks)
    } catch (error) {
      // Reported by run(), which then stops the iterable.
      this.#sendError ??= { error }
      this.#wake?.()
    }
  }

  /**
   * Sends the iterable's chunks until it is done (resolves), throws (rejects with its
   * error; a TypeError when its next() gives a result that is not an object), `send` throws
   * (rejects with that), or the signal aborts (resolves). In every
   * case but the first, the iterator's `return()` is called, so a generator's `finally` runs.
   */
  async run(iterable: AsyncIterable<unknown>, send: (chunks: unknown[]) => void): Promise<void> {
    this.#send = send
    const iterator = iterable[Symbol.asyncIterator]()
    // Set once next() has said done or thrown: the iterator is finished, so no return().
    let finished = false
    try {
      while (!this.#signal.aborted && this.#sendError === undefined) {
        if (this.#credit <= 0) {
          await this.#waitForCredit()
          continue
        }
        finished = true
        const step = await iterator.next()
        // As for-await: a result that is not an object is a TypeError (it pulled `undefined`s, or read step.done of undefined).
        if (typeof step !== 'object' || step === null) throw new TypeError(`${this.#stream}: its iterator's next() returned ${String(step)} (Iterator result ${String(step)} is not an object)`)
        if (step.done === true) break
        finished = false
        if (this.#signal.aborted) break
        this.#credit--
        this.#batch.push(step.value)
        this.#flushTimer ??= setImmediate(() => this.flush())
      }
    } finally {
      // The chunks pulled before the end (or before the iterable threw) go first.
      if (finished) this.flush()
      else {
        this.#batch = []
        if (this.#flushTimer !== undefined) clearImmediate(this.#flushTimer)
        await stop(iterator)
      }
    }
    const failure = this.#sendError
    if (failure !== undefined) throw failure.error
  }

  async #waitForCredit(): Promise<void> {
    this.flush()
    if (this.#credit <= 0 && !this.#signal.aborted && this.#sendError === undefined) await new Promise<void>((resolve) => (this.#wake = resolve))
    this.#wake = undefined
  }
}

async function stop(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    await iterator.return?.()
  } catch (error) {
    debug('a stream iterable threw while stopping: %o', error)
  }
}
