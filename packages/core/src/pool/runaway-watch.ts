/**
 * `cancelGrace`, for one pool worker: after a call on it was cancelled or timed out, a timer
 * checks `cancelGrace` ms later whether the cancelled handler still runs (a synchronous loop
 * never sees its signal), and if so the worker is killed. The timers are cleared once no
 * cancelled handler runs.
 */
import { debug } from '../base/debug.js'

/** What the watch needs of its worker. */
export interface RunawayTarget {
  /** Its pid, for the debug log. */
  pid(): number
  /** Whether the worker still takes calls (a worker already stopping is not killed again). */
  serving(): boolean
  /** The calls given up on whose handler has not settled, with when they were given up (`Date.now()`). */
  lingering(): ReadonlyMap<string, number>
  kill(): void
}

/** The runaway timers of one worker. */
export class RunawayWatch {
  readonly #target: RunawayTarget
  readonly #timers = new Set<NodeJS.Timeout>()

  constructor(target: RunawayTarget) {
    this.#target = target
  }

  /** Whether a timer watches a cancelled handler. */
  get watching(): boolean {
    return this.#timers.size > 0
  }

  /** After a cancellation: kills the worker if a cancelled handler still runs `grace` ms later. */
  watch(grace: number): void {
    // Not unref'd: calls queued behind the runaway handler hold nothing else that keeps the
    // process alive (the cancelled call no longer does), and a script awaiting them would
    // end with its promises unsettled. It is cleared once no cancelled handler runs.
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      if (!this.#target.serving() || !this.#runsLongerThan(grace)) return
      debug('pool: a cancelled handler on worker %d still runs after %d ms: killing the worker', this.#target.pid(), grace)
      this.#target.kill()
    }, grace + 1)
    this.#timers.add(timer)
  }

  clear(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
  }

  /** Whether a cancelled handler has run on for `grace` ms since its call was given up. */
  #runsLongerThan(grace: number): boolean {
    const now = Date.now()
    for (const since of this.#target.lingering().values()) if (now - since >= grace) return true
    return false
  }
}
