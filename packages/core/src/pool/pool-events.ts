/**
 * What a pool tells the app about its workers, as typed events.
 */

/**
 * Why a pool's worker exited:
 * - `closed`: the pool was closed;
 * - `idle`: it was idle for `idleTimeout` with more than `min` workers;
 * - `recycled`: it reached `maxTasksPerWorker`;
 * - `memory`: it went over `maxHeapBytes` or `maxRssBytes`;
 * - `runaway`: a cancelled call's handler did not stop within `cancelGrace`, so it was killed;
 * - `crash`: it died by itself;
 * - `startup`: it failed to start (the event's `error` says why).
 *
 * @example
 * ```ts
 * pool.on('exit', ({ reason }: { reason: ExitReason }) => reason === 'crash' && metrics.crashes.inc())
 * ```
 */
export type ExitReason = 'closed' | 'idle' | 'recycled' | 'memory' | 'runaway' | 'crash' | 'startup'

/**
 * The events of a pool and what their listeners get.
 *
 * @example
 * ```ts
 * pool.on('exit', (event: PoolEvents['exit']) => console.error(event.pid, event.reason, event.code, event.signal))
 * ```
 */
export interface PoolEvents {
  /** A worker process was started (it is not ready yet). */
  spawn: { pid: number }
  /** A worker is ready and takes calls. */
  ready: { pid: number }
  /** A worker exited (`pid` is 0 when it failed before it had one). */
  exit: { pid: number; reason: ExitReason; code: number | null; signal: NodeJS.Signals | null; error?: Error }
  /** A worker that died is being replaced, after `delay` ms of backoff. */
  restart: { pid: number; reason: ExitReason; delay: number }
  /** The crash-loop guard tripped: the pool stops starting workers for `restartWindow` ms. */
  crashloop: { detail: string; error: Error }
}

/** A small typed event emitter; a listener that throws does not break the pool. */
export class PoolEmitter {
  readonly #listeners = new Map<keyof PoolEvents, Set<(event: never) => void>>()

  on<E extends keyof PoolEvents>(event: E, listener: (event: PoolEvents[E]) => void): () => void {
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => void set.delete(listener)
  }

  emit<E extends keyof PoolEvents>(event: E, payload: PoolEvents[E]): void {
    const set = this.#listeners.get(event)
    if (set === undefined) return
    for (const listener of [...set]) {
      try {
        ;(listener as (event: PoolEvents[E]) => void)(payload)
      } catch (error) {
        // Like an EventEmitter listener that throws, but without unwinding the pool's state.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }
}
