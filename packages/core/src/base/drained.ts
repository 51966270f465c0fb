/**
 * Waiters for "once nothing is in flight": the caller's side, the handler's side, a pool
 * and the batching sender each count what they have in flight and wake these when it
 * reaches zero.
 */

/** Promises that resolve the next time their owner is idle. */
export class Drained {
  #waiters: Array<() => void> = []

  /** Resolves at once when `idle`, or at the next `wake()`. */
  wait(idle: boolean): Promise<void> {
    return idle ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** The owner is idle: resolves every waiting promise. */
  wake(): void {
    if (this.#waiters.length === 0) return
    const waiters = this.#waiters
    this.#waiters = []
    for (const resolve of waiters) resolve()
  }
}
