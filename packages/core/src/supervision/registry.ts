/**
 * The registry of every worker this process started or connected, processes and threads
 * (and every pool), so that none is forgotten: `workers()` lists them, `shutdownAll()` stops
 * them all in stages. A worker leaves the registry once it is gone.
 */
import { checkStopOptions } from '../base/timeouts.js'
import { appShutdown, type AppShutdown } from './app-shutdown.js'
import { watchSigterm } from './sigterm-watch.js'

/**
 * How a worker ended.
 *
 * @example
 * ```ts
 * const { code, signal, forced } = await worker.close()
 * ```
 */
export interface ExitResult {
  /** The exit code, or null when a signal ended the process. */
  code: number | null
  /** The signal that ended the process, or null (always null for a thread). */
  signal: NodeJS.Signals | null
  /** True when the worker had to be killed (SIGKILL, or `terminate()` for a thread). */
  forced: boolean
}

/**
 * The time limits of a worker's staged stop, in milliseconds.
 *
 * @example
 * ```ts
 * const limits: StopOptions = { grace: 5_000, killTimeout: 5_000 }
 * ```
 */
export interface StopOptions {
  /** How long calls in flight may take to finish, and the worker to exit once asked to. */
  grace: number
  /** How long the worker has to exit after SIGTERM before it is killed. */
  killTimeout: number
}

/**
 * Per-close overrides of the stop limits of a worker, a pool or every worker: a limit left
 * out (or `undefined`) keeps its default. Options that are not an object, or a limit that is
 * not a non-negative number, make `close()` reject with a TypeError, and nothing closes.
 *
 * @example
 * ```ts
 * await worker.close({ grace: 0, killTimeout: 100 })
 * ```
 */
export interface CloseOptions {
  /** {@inheritDoc StopOptions.grace} */
  grace?: number | undefined
  /** {@inheritDoc StopOptions.killTimeout} */
  killTimeout?: number | undefined
}

/**
 * What runs a worker: a child process or a worker thread.
 *
 * @example
 * ```ts
 * const threads = workers().filter((w) => w.runtime === 'thread')
 * ```
 */
export type WorkerRuntime = 'process' | 'thread'

/**
 * Where a worker is in its life: `starting` (started, not yet ready), `ready` (taking calls),
 * `closing` (its staged stop has begun).
 *
 * @example
 * ```ts
 * const busy = workers().filter((w) => w.state === 'ready' && w.inFlight > 0)
 * ```
 */
export type WorkerState = 'starting' | 'ready' | 'closing'

/**
 * A live worker, as `workers()` lists it.
 *
 * @example
 * ```ts
 * for (const { pid, module, state, inFlight } of workers()) console.log(pid, module, state, inFlight)
 * ```
 */
export interface WorkerInfo {
  /** A child process or a worker thread. */
  readonly runtime: WorkerRuntime
  /** The worker process's pid; for a thread, the pid of this process, which runs it. */
  readonly pid: number
  /** The thread's id, for a thread worker. */
  readonly threadId: number | undefined
  /** The worker's module path (or `<file> (pid N)` for a connected child). */
  readonly module: string
  /** The worker's state (`WorkerState`). */
  readonly state: WorkerState
  /** Calls waiting for a reply, plus cancelled calls whose handler has not settled yet. */
  readonly inFlight: number
  /** The worker's inspector URL, when it was started with `inspect`. */
  readonly inspectorUrl?: string | undefined
}

/**
 * How one worker ended in `shutdownAll()`.
 *
 * @example
 * ```ts
 * const forced = (await shutdownAll()).filter((r: ShutdownResult) => r.forced)
 * ```
 */
export interface ShutdownResult extends ExitResult {
  /** What runs the worker: a child process or a worker thread. */
  readonly runtime: WorkerRuntime
  /** The worker's process id (a thread's: this process's). */
  readonly pid: number
  /** A thread's id; undefined for a process. */
  readonly threadId: number | undefined
  /** The worker module it runs, as given to `fork()`, `spawnThread()` or `createPool()`. */
  readonly module: string
}

/** What the registry knows of a worker. */
export interface TrackedWorker {
  info(): WorkerInfo
  stop(options: Partial<StopOptions>): Promise<ExitResult>
  /** Kills the worker (SIGKILL, its process group too; a thread is terminated) now, whatever stage its stop is at. */
  kill(): void
  /** A pool's worker: `shutdownAll()` leaves its stop to the pool's `close()`, which runs the pool's queued calls first. */
  readonly pooled?: boolean | undefined
}

/** What the registry knows of a pool: how to close it, which stops its workers. */
export interface TrackedPool {
  close(options: Partial<StopOptions>): Promise<ShutdownResult[]>
}

/**
 * The workers and pools of one process, and its shutdown state. The functions below use
 * this process's; tests make their own.
 */
export class WorkerRegistry {
  readonly app: AppShutdown
  readonly #workers = new Set<TrackedWorker>()
  readonly #pools = new Set<TrackedPool>()

  constructor(app: AppShutdown) {
    this.app = app
  }

  track(entry: TrackedWorker): () => void {
    this.#workers.add(entry)
    return () => this.#workers.delete(entry)
  }

  trackPool(pool: TrackedPool): () => void {
    this.#pools.add(pool)
    return () => this.#pools.delete(pool)
  }

  workers(): WorkerInfo[] {
    return [...this.#workers].map((worker) => worker.info())
  }

  killAll(): void {
    for (const worker of this.#workers) worker.kill()
  }

  /**
   * Every pool closes (its queued calls run within `grace`, then its workers stop in stages)
   * while every other worker stops in stages; the app is stopping meanwhile. A pool's
   * workers are left to the pool: stopped here directly, its queued calls would fail at once.
   */
  shutdownAll(options: Partial<StopOptions> = {}): Promise<ShutdownResult[]> {
    try {
      checkStopOptions(options, 'shutdownAll()')
    } catch (error) {
      return Promise.reject(error)
    }
    return this.app.during(async () => {
      const pools = [...this.#pools].map((pool) => pool.close(options).catch((): ShutdownResult[] => []))
      const results = await Promise.all(
        [...this.#workers]
          .filter((worker) => worker.pooled !== true)
          .map(async (worker) => {
            const { runtime, pid, threadId, module } = worker.info()
            const result = await worker.stop(options).catch((): ExitResult => ({ code: null, signal: null, forced: false }))
            return { runtime, pid, threadId, module, ...result }
          }),
      )
      return [...results, ...(await Promise.all(pools)).flat()]
    })
  }
}

const registry = new WorkerRegistry(appShutdown)

/** Adds a worker; returns the function that removes it. */
export function track(entry: TrackedWorker): () => void {
  watchSigterm()
  return registry.track(entry)
}

/** Adds a pool; returns the function that removes it. */
export function trackPool(pool: TrackedPool): () => void {
  watchSigterm()
  return registry.trackPool(pool)
}

/**
 * Every worker forkrpc started (`fork`, `spawnThread`, pools) or connected (`connect`) in
 * this process and that is not gone yet.
 *
 * @remarks
 * Every worker and pool a process starts is registered, so that none is forgotten: `workers()`
 * lists them, `shutdownAll()` and `handleSignals()` stop them.
 *
 * @example
 * ```ts
 * import { workers } from '@forkrpc/core'
 * console.table(workers()) // runtime, pid, threadId, module, state, inFlight
 * ```
 */
export function workers(): WorkerInfo[] {
  return registry.workers()
}

/** Kills every worker now (a second Ctrl-C): the stops under way then end at once. */
export function killAll(): void {
  registry.killAll()
}

/**
 * Stops every worker in stages, all in parallel: pools stop taking calls and starting
 * workers, calls in flight get `grace` ms to finish, then each worker is asked to shut down
 * (its `onShutdown` hooks run), then SIGTERM, then SIGKILL after `killTimeout` ms. Workers
 * still starting are stopped too (their `fork()` rejects), and while it runs no worker is
 * started: pools start none, and `fork()` / `spawnThread()` reject with StartupError.
 * A pool's queued calls run within `grace` as in `pool.close()`, before its workers stop.
 * Resolves once every process has exited, with how each one ended. Rejects only for invalid
 * options (a TypeError, with nothing stopped); never exits this process.
 *
 * @example
 * ```ts
 * import { shutdownAll } from '@forkrpc/core'
 * process.once('SIGTERM', async () => {
 *   const results = await shutdownAll({ grace: 2_000, killTimeout: 1_000 })
 *   console.error(results) // [{ runtime: 'process', pid, module, code: 0, signal: null, forced: false }, ...]
 *   process.exitCode = 0
 * })
 * ```
 */
export function shutdownAll(options: CloseOptions = {}): Promise<ShutdownResult[]> {
  return registry.shutdownAll(options)
}
