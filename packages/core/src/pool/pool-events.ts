/**
 * What a pool tells the app about its workers, as typed events. Each event names its worker
 * as `workers()` does: runtime, pid and (for a thread) threadId.
 */
import type { WorkerRuntime } from '../supervision/registry.js'

/**
 * Why a pool's worker exited:
 * - `closed`: the pool was closed;
 * - `idle`: it was idle for `idleTimeout` with more than `min` workers;
 * - `recycled`: it reached `maxTasksPerWorker`;
 * - `memory`: it went over `maxHeapBytes` or `maxRssBytes`;
 * - `runaway`: a cancelled call's handler did not stop within `cancelGrace`, so it was killed (a thread: terminated);
 * - `sigterm`: it got SIGTERM from outside (`kill`, a service manager) while the app ran, so the pool stopped it in stages (its calls finished) and replaces it if needed;
 * - `crash`: it died by itself (a thread: an uncaught error, or `process.exit()`);
 * - `unresponsive`: it said nothing for longer than `unresponsiveAfter`, so it was killed (a thread: terminated);
 * - `out-of-memory`: it went over its heap limit (`heapLimitMb`, `--max-old-space-size`, a thread's `resourceLimits`) and died;
 * - `startup`: it failed to start (the event's `error` says why).
 *
 * @example
 * ```ts
 * pool.on('exit', ({ reason }: { reason: ExitReason }) => reason === 'crash' && metrics.crashes.inc())
 * ```
 */
export type ExitReason = 'closed' | 'idle' | 'recycled' | 'memory' | 'runaway' | 'sigterm' | 'crash' | 'unresponsive' | 'out-of-memory' | 'startup'

/**
 * Which worker of a pool an event is about, as `workers()` lists it.
 *
 * @example
 * ```ts
 * pool.on('ready', ({ runtime, pid, threadId }: WorkerIdentity) => console.log(runtime === 'thread' ? `thread ${threadId}` : `process ${pid}`))
 * ```
 */
export interface WorkerIdentity {
  /** A child process or a worker thread. */
  readonly runtime: WorkerRuntime
  /** The worker process's pid (0 when it failed before it had one); for a thread, this process's. */
  readonly pid: number
  /** The thread's id, for a thread worker (undefined when it failed before it had one). */
  readonly threadId: number | undefined
}

/**
 * The events of a pool and what their listeners get.
 *
 * @example
 * ```ts
 * pool.on('exit', (event: PoolEvents['exit']) => console.error(event.runtime, event.pid, event.threadId, event.reason, event.code, event.signal))
 * ```
 */
export interface PoolEvents {
  /** A worker process or thread was started (it is not ready yet). */
  spawn: WorkerIdentity
  /** A worker is ready and takes calls. */
  ready: WorkerIdentity
  /** A worker exited, for an `ExitReason` (`signal` is always null for a thread; `error` says why a start failed). */
  exit: WorkerIdentity & { reason: ExitReason; code: number | null; signal: NodeJS.Signals | null; error?: Error }
  /**
   * A worker said nothing, not even an answer to the pool's pings, for longer than
   * `unresponsiveAfter` (`silentFor` ms): its calls have failed with WorkerUnresponsiveError
   * (idempotent ones are retried on another worker), and it is killed and replaced.
   */
  unresponsive: WorkerIdentity & { silentFor: number }
  /** A worker that died is being replaced, after `delay` ms of backoff. */
  restart: WorkerIdentity & { reason: ExitReason; delay: number }
  /** The crash-loop guard tripped: the pool stops starting workers for `restartWindow` ms. */
  crashloop: { detail: string; error: Error }
}

/** The names of {@link PoolEvents}, for the check of `on()`'s plain-JavaScript callers. */
const POOL_EVENT_NAMES: ReadonlyArray<keyof PoolEvents> = ['spawn', 'ready', 'exit', 'unresponsive', 'restart', 'crashloop']

/** A small typed event emitter; a listener that throws does not break the pool. */
export class PoolEmitter {
  readonly #listeners = new Map<keyof PoolEvents, Set<(event: never) => void>>()

  on<E extends keyof PoolEvents>(event: E, listener: (event: PoolEvents[E]) => void): () => void {
    // Refused now, as a worker's on() does: kept, a wrong name would never be called, and a listener that is not a function would throw when the event comes.
    if (!POOL_EVENT_NAMES.includes(event)) {
      throw new TypeError(`on(event, listener): "${String(event)}" is not an event of a pool (it emits ${POOL_EVENT_NAMES.map((name) => `"${name}"`).join(', ')})`)
    }
    if (typeof listener !== 'function') throw new TypeError('on(event, listener): listener must be a function')
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
