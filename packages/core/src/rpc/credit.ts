/**
 * The consumer's side of credit-based flow control: the producer may have at most `window`
 * chunks sent and not yet granted back; the consumer grants what it has taken, every half
 * window, and a producer that sends beyond its credit breaks the protocol.
 */

/** Counts the chunks of one stream as they arrive and are taken, and grants credit back. */
export class CreditGrantor {
  /** Chunks received and not yet granted back: never more than the window. */
  #unacknowledged = 0
  /** Chunks taken since the last grant. */
  #untaken = 0
  readonly #window: number
  readonly #grant: (count: number) => void

  constructor(window: number, grant: (count: number) => void) {
    this.#window = window
    this.#grant = grant
  }

  /** `count` chunks arrived; false when that is more than the producer's credit allows. */
  received(count: number): boolean {
    this.#unacknowledged += count
    return this.#unacknowledged <= this.#window
  }

  /** The consumer took one chunk: every half window taken is granted back. */
  taken(): void {
    this.#untaken++
    if (this.#untaken >= Math.max(1, this.#window >> 1)) {
      const count = this.#untaken
      this.#untaken = 0
      this.#unacknowledged -= count
      this.#grant(count)
    }
  }
}
