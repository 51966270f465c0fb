/**
 * The pool's crash-loop guard. Workers that die are replaced, but not in a tight loop:
 * each failure in a row doubles the wait before the next start (exponential backoff), and
 * the guard trips, so that the pool stops starting workers, when
 * - `maxStartupFailures` starts in a row fail (a worker that cannot start will not start
 *   on the next try either: a syntax error, a missing module, a contract mismatch), or
 * - more than `maxRestarts` workers die within `restartWindow` ms.
 * Once tripped it stays so for `restartWindow` ms, then lets one start through (a
 * half-open circuit breaker): a worker that becomes ready closes it again.
 */

/**
 * The guard's limits.
 *
 * @example
 * ```ts
 * const options: CrashGuardOptions = { maxRestarts: 5, restartWindow: 60_000, maxStartupFailures: 3, backoff: 100, maxBackoff: 10_000 }
 * ```
 */
export interface CrashGuardOptions {
  /** Replacements of crashed workers allowed within `restartWindow` before the guard trips. Default 10. */
  maxRestarts?: number | undefined
  /** The window of `maxRestarts`, and how long a tripped guard waits before trying again, in ms. Default 60,000. */
  restartWindow?: number | undefined
  /** Failed starts in a row (no worker became ready in between) before the guard trips. Default 3. */
  maxStartupFailures?: number | undefined
  /** The wait before the first restart after a failure, in ms; doubled for each further failure in a row. Default 100. */
  backoff?: number | undefined
  /** The longest wait between restarts, in ms. Default 10,000. */
  maxBackoff?: number | undefined
}

/** Why the guard tripped, for the `crashloop` event and CrashLoopError. */
export interface Trip {
  readonly detail: string
  readonly error: unknown
}

/**
 * The guard: told of each start, failure and success, it says how long to wait before the
 * next start and whether starts are stopped (tripped) or may probe.
 */
export class CrashGuard {
  readonly #maxRestarts: number
  readonly #window: number
  readonly #maxStartupFailures: number
  readonly #backoff: number
  readonly #maxBackoff: number
  #crashes: number[] = []
  #failuresInARow = 0
  #startupFailuresInARow = 0
  #lastFailureAt = 0
  #trippedAt: number | undefined
  #trip: Trip | undefined

  constructor(options: CrashGuardOptions = {}) {
    this.#maxRestarts = options.maxRestarts ?? 10
    this.#window = options.restartWindow ?? 60_000
    this.#maxStartupFailures = options.maxStartupFailures ?? 3
    this.#backoff = options.backoff ?? 100
    this.#maxBackoff = options.maxBackoff ?? 10_000
  }

  /** The current trip, while the guard is tripped and its cool-down has not passed. */
  get tripped(): Trip | undefined {
    if (this.#trippedAt !== undefined && Date.now() - this.#trippedAt >= this.#window) return undefined
    return this.#trip
  }

  /** Tripped, and the cool-down has passed: one start may go through to test the waters. */
  get probing(): boolean {
    return this.#trippedAt !== undefined && this.tripped === undefined
  }

  /** How long to wait before the next start, in ms (0 when nothing failed lately). */
  delay(): number {
    if (this.#failuresInARow === 0) return 0
    const wait = Math.min(this.#backoff * 2 ** (this.#failuresInARow - 1), this.#maxBackoff)
    return Math.max(0, this.#lastFailureAt + wait - Date.now())
  }

  /** A worker became ready: starts work again. */
  ready(): void {
    this.#startupFailuresInARow = 0
    if (this.#trippedAt !== undefined) {
      this.#trippedAt = undefined
      this.#trip = undefined
      this.#crashes = []
    }
  }

  /** A call succeeded: the workers are healthy, so the backoff starts over. */
  succeeded(): void {
    this.#failuresInARow = 0
  }

  /** A worker failed to start. Returns the trip if this one tripped the guard. */
  startFailed(error: unknown): Trip | undefined {
    this.#failed()
    this.#startupFailuresInARow += 1
    if (this.#trippedAt !== undefined || this.#startupFailuresInARow >= this.#maxStartupFailures) {
      return this.#tripOn({ detail: `${this.#startupFailuresInARow} worker(s) in a row failed to start`, error })
    }
    return undefined
  }

  /** A ready worker died without being asked to. Returns the trip if this one tripped the guard. */
  crashed(error: unknown): Trip | undefined {
    this.#failed()
    const now = Date.now()
    this.#crashes = this.#crashes.filter((at) => now - at < this.#window)
    this.#crashes.push(now)
    if (this.#crashes.length > this.#maxRestarts) {
      return this.#tripOn({ detail: `${this.#crashes.length} workers died within ${this.#window} ms (maxRestarts: ${this.#maxRestarts})`, error })
    }
    return undefined
  }

  #failed(): void {
    this.#failuresInARow += 1
    this.#lastFailureAt = Date.now()
  }

  #tripOn(trip: Trip): Trip {
    this.#trippedAt = Date.now()
    this.#trip = trip
    return trip
  }
}

/** Throws a TypeError for a bad guard option. */
export function checkCrashGuardOptions(options: CrashGuardOptions, where: string): void {
  for (const key of ['maxRestarts', 'restartWindow', 'maxStartupFailures', 'backoff', 'maxBackoff'] as const) {
    const value = options[key]
    if (value !== undefined && (typeof value !== 'number' || Number.isNaN(value) || value < 0)) {
      throw new TypeError(`${where}: ${key} must be a non-negative number, got ${String(value)}`)
    }
  }
  if (options.maxStartupFailures !== undefined && options.maxStartupFailures < 1) throw new TypeError(`${where}: maxStartupFailures must be at least 1`)
}
