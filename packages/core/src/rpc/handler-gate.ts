/**
 * How many handlers run at once on this side: without a limit (the default) every request
 * starts at once; with one (a pool's `concurrency`, sent in the ready ack), requests beyond
 * it wait here, in order, and start as running ones finish. A waiting call already counts
 * as running for the caller (its deadline runs, it can be cancelled): one that is aborted
 * while it waits leaves without its handler ever starting.
 */
import type { RunningCall } from './running-call.js'

export class HandlerGate {
  #limit = Infinity
  /** Calls that hold a slot (each marked `holdsSlot`: a count and a flag cost less per call than a Set). */
  #started = 0
  #draining = false
  readonly #waiting = new Map<RunningCall, () => void>()

  /** At most `limit` handlers run at once from now on. */
  limit(limit: number): void {
    this.#limit = limit
  }

  /** True when `call` may start now (it is counted as started); false when it must {@link enter} the line. */
  admit(call: RunningCall): boolean {
    if (this.#started >= this.#limit || this.#waiting.size > 0) return false
    this.#started++
    call.holdsSlot = true
    return true
  }

  /** True when `call` may start now (it is counted as started); otherwise `start` runs when it may. */
  enter(call: RunningCall, start: () => void): boolean {
    if (this.admit(call)) return true
    this.#waiting.set(call, start)
    return false
  }

  /** Whether `call` waits (its handler has not started). */
  waits(call: RunningCall): boolean {
    return this.#waiting.has(call)
  }

  /** Takes a waiting call out of the line (it was aborted); false when it was not waiting. */
  withdraw(call: RunningCall): boolean {
    return this.#waiting.delete(call)
  }

  /** `call` has settled: if it had started, the next waiting calls start, as room allows. */
  leave(call: RunningCall): void {
    if (!call.holdsSlot) return
    call.holdsSlot = false
    this.#started--
    if (this.#draining || this.#waiting.size === 0) return
    // A loop, not recursion: a synchronous handler settles inside start(), which calls
    // leave() again; that inner call only frees its slot, and this loop fills it.
    this.#draining = true
    try {
      while (this.#started < this.#limit) {
        const next = this.#waiting.entries().next()
        if (next.done === true) return
        const [waiting, start] = next.value
        this.#waiting.delete(waiting)
        this.#started++
        waiting.holdsSlot = true
        start()
      }
    } finally {
      this.#draining = false
    }
  }
}
