/**
 * The handler's side of an input stream: the AsyncIterable it reads. Chunks the caller sent
 * wait here, at most the credit window of them; each half window taken is granted back. The
 * iteration fails with the call's abort reason if its signal aborts.
 */
import { ProtocolError } from '../errors/call-errors.js'
import { AsyncQueue } from './async-queue.js'
import { CreditGrantor } from './credit.js'

/** The chunks of one input stream. */
export class InputChunks implements AsyncIterableIterator<unknown> {
  readonly #queue: AsyncQueue<unknown>
  readonly #grantor: CreditGrantor
  readonly #procedure: string
  /** The last chunks have arrived: no more credit is granted. */
  #final = false

  constructor(procedure: string, window: number, signal: AbortSignal, grant: (count: number) => void) {
    this.#procedure = procedure
    this.#grantor = new CreditGrantor(window, grant)
    this.#queue = new AsyncQueue({
      taken: () => {
        if (!this.#final) this.#grantor.taken()
      },
    })
    signal.addEventListener('abort', () => this.#queue.end(signal.reason), { once: true })
  }

  /** Chunks from the caller; `final` when no more will come. Throws ProtocolError beyond the credit. */
  push(chunks: unknown[], final: boolean): void {
    if (!this.#grantor.received(chunks.length)) {
      throw new ProtocolError(`The caller of "${this.#procedure}" sent more chunks than its credit allows`, { procedure: this.#procedure })
    }
    for (const chunk of chunks) this.#queue.push(chunk)
    if (final) {
      this.#final = true
      this.#queue.end()
    }
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<unknown>> {
    return this.#queue.next()
  }

  /** The handler stopped reading: the rest is dropped (the caller stops when the call settles). */
  return(): Promise<IteratorResult<unknown>> {
    return this.#queue.return()
  }
}
