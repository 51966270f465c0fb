/**
 * The pool's one state field: `running` → `crash-loop` (the crash-loop guard tripped) →
 * `running` again (a worker became ready); either → `closing` (close() or shutdownAll())
 * → `closed`. Calls are taken while `running` or in `crash-loop`.
 */

/**
 * Where a pool is: `running`; `crash-loop` (the guard tripped: no new workers for a
 * while); `closing`; `closed`.
 *
 * @example
 * ```ts
 * if (pool.stats().state === 'crash-loop') res.status(503)
 * ```
 */
export type PoolState = 'running' | 'crash-loop' | 'closing' | 'closed'

/**
 * The pool's state and its transitions; a transition that does not apply is ignored (a trip
 * while closing leaves the pool closing).
 *
 * @example
 * ```ts
 * const status = new PoolStatus()
 * status.tripped() // 'crash-loop'
 * status.recovered() // 'running'
 * ```
 */
export class PoolStatus {
  #state: PoolState = 'running'

  get state(): PoolState {
    return this.#state
  }

  /** Whether the pool takes calls (and keeps `min` workers): `running` or `crash-loop`. */
  get accepting(): boolean {
    return this.#state === 'running' || this.#state === 'crash-loop'
  }

  /** The crash-loop guard tripped. */
  tripped(): void {
    if (this.#state === 'running') this.#state = 'crash-loop'
  }

  /** A worker became ready: the guard is closed again. */
  recovered(): void {
    if (this.#state === 'crash-loop') this.#state = 'running'
  }

  /** close() began. */
  closing(): void {
    if (this.accepting) this.#state = 'closing'
  }

  /** Every worker has stopped. */
  closed(): void {
    if (this.#state === 'closing') this.#state = 'closed'
  }
}
