/**
 * The promises of `pool.ready()` that wait for workers: all resolved together once enough
 * workers are ready, or all rejected together (the crash-loop guard tripped, the pool closed).
 */

export class ReadyWaiters {
  #waiters: Array<{ resolve: () => void; reject: (reason: unknown) => void }> = []

  /** Whether a `ready()` waits: the pool then wants at least one worker even with `min: 0`. */
  get pending(): boolean {
    return this.#waiters.length > 0
  }

  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  resolveAll(): void {
    for (const waiter of this.#take()) waiter.resolve()
  }

  rejectAll(reason: unknown): void {
    for (const waiter of this.#take()) waiter.reject(reason)
  }

  #take(): Array<{ resolve: () => void; reject: (reason: unknown) => void }> {
    const waiters = this.#waiters
    this.#waiters = []
    return waiters
  }
}
