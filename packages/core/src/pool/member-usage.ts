/**
 * How much one pool worker has been used: the pool calls running on it, those it finished,
 * and for how long it has run at least one (its busy time) since it became ready. What
 * `pool.stats().perWorker` reports, and what `maxTasksPerWorker` counts.
 */

export class MemberUsage {
  #active = 0
  #done = 0
  /** When it became ready (`performance.now()`); undefined while starting. */
  #readyAt: number | undefined
  /** Since when it runs at least one call. */
  #busySince = 0
  /** How long it ran calls before that. */
  #busyTime = 0
  #movedAt = 0

  get active(): number {
    return this.#active
  }

  get done(): number {
    return this.#done
  }

  /** When its line last moved (`performance.now()`): a call ended on it, or it took one while idle. */
  get movedAt(): number {
    return this.#movedAt
  }

  /** It became ready: its lifetime counts from now. */
  readyNow(now = performance.now()): void {
    this.#readyAt = now
  }

  began(now = performance.now()): void {
    if (this.#active === 0) this.#busySince = this.#movedAt = now
    this.#active += 1
  }

  /**
   * A pool call on it has ended; `ran: false` for one taken back from its line unrun, which
   * neither counts as done nor means the line moved.
   */
  ended(now = performance.now(), ran = true): void {
    this.#active -= 1
    if (ran) {
      this.#done += 1
      this.#movedAt = now
    }
    if (this.#active === 0) this.#busyTime += now - this.#busySince
  }

  /** How long it has run calls, and how long it has been ready, in ms (both 0 while starting). */
  times(now = performance.now()): { busyTime: number; lifetime: number } {
    if (this.#readyAt === undefined) return { busyTime: 0, lifetime: 0 }
    return { busyTime: this.#busyTime + (this.#active > 0 ? now - this.#busySince : 0), lifetime: now - this.#readyAt }
  }
}
