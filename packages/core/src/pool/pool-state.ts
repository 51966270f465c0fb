/**
 * The pool's one state field: `running` → `crash-loop` (the crash-loop guard tripped) →
 * `running` again (a worker became ready); either → `closing` (close() or shutdownAll())
 * → `closed`. While the app is shutting down (`supervision/app-shutdown.ts`), a running
 * pool reads as `draining`: it takes calls, and runs them on the workers it has, but starts
 * none. Calls are taken while `running`, in `crash-loop` and `draining`.
 */

/**
 * Where a pool is: `running`; `crash-loop` (the guard tripped: no new workers for a
 * while); `draining` (the app is shutting down: calls run on the workers the pool has, and
 * no worker is started); `closing`; `closed`.
 *
 * @example
 * ```ts
 * if (pool.stats().state === 'crash-loop') res.status(503)
 * ```
 */
export type PoolState = 'running' | 'crash-loop' | 'draining' | 'closing' | 'closed'

/** What the pool knows of the app's shutdown. */
export interface AppState {
  /** Whether the app is shutting down: no worker is started. */
  readonly stopping: boolean
  /** Why (a signal, `shutdownAll()`), while it is. */
  readonly reason: string | undefined
}

/**
 * The pool's state and its transitions; a transition that does not apply is ignored (a trip
 * while closing leaves the pool closing).
 */
export class PoolStatus {
  readonly #app: AppState
  #state: 'running' | 'crash-loop' | 'closing' | 'closed' = 'running'

  constructor(app: AppState) {
    this.#app = app
  }

  get state(): PoolState {
    return this.accepting && this.#app.stopping ? 'draining' : this.#state
  }

  /** Whether the pool takes calls (and keeps `min` workers): `running`, `crash-loop` or `draining`. */
  get accepting(): boolean {
    return this.#state === 'running' || this.#state === 'crash-loop'
  }

  /** Whether the pool starts workers (the crash-loop guard aside): it takes calls, and the app is not shutting down. */
  get startsWorkers(): boolean {
    return this.accepting && !this.#app.stopping
  }

  /** Why the app is shutting down, while it is (for errors). */
  get appStopReason(): string | undefined {
    return this.#app.reason
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
