/**
 * The registry of every worker this process started or connected (and every pool), so
 * that none is forgotten: `workers()` lists them, `shutdownAll()` stops them all in stages.
 * A worker leaves the registry once its process is gone.
 */
import type { ExitResult, StopOptions } from './terminate.js'

/**
 * Where a worker is in its life: `starting` (forked, not yet ready), `ready` (taking calls),
 * `closing` (its staged shutdown has begun).
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
  readonly pid: number
  /** The worker's module path (or `<file> (pid N)` for a connected child). */
  readonly module: string
  readonly state: WorkerState
  /** Calls waiting for a reply, plus cancelled calls whose handler has not settled yet. */
  readonly inFlight: number
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
  readonly pid: number
  readonly module: string
}

/** What the registry knows of a worker. */
export interface TrackedWorker {
  info(): WorkerInfo
  stop(options: Partial<StopOptions>): Promise<ExitResult>
  /** SIGKILLs the worker (and its process group) now, whatever stage its stop is at. */
  kill(): void
}

/** What the registry knows of a pool: that it must stop replacing workers. */
export interface TrackedPool {
  close(options: Partial<StopOptions>): Promise<unknown>
}

const trackedWorkers = new Set<TrackedWorker>()
const trackedPools = new Set<TrackedPool>()

/** Adds a worker; returns the function that removes it. */
export function track(entry: TrackedWorker): () => void {
  trackedWorkers.add(entry)
  return () => trackedWorkers.delete(entry)
}

/** Adds a pool; returns the function that removes it. */
export function trackPool(pool: TrackedPool): () => void {
  trackedPools.add(pool)
  return () => trackedPools.delete(pool)
}

/**
 * Every worker forkrpc started (`fork`, pools) or connected (`connect`) in this process and
 * whose process is not gone yet.
 *
 * @example
 * ```ts
 * import { workers } from '@forkrpc/core'
 * console.table(workers()) // pid, module, state, inFlight
 * ```
 */
export function workers(): WorkerInfo[] {
  return [...trackedWorkers].map((worker) => worker.info())
}

/** SIGKILLs every worker now (a second Ctrl-C): the stops under way then end at once. */
export function killAll(): void {
  for (const worker of trackedWorkers) worker.kill()
}

/**
 * Stops every worker in stages, all in parallel: pools stop replacing workers, calls in
 * flight get `grace` ms to finish, then each worker is asked to shut down (its `onShutdown`
 * hooks run), then SIGTERM, then SIGKILL after `killTimeout` ms. Workers still starting
 * are stopped too (their `fork()` rejects). Resolves once every process has exited, with
 * how each one ended. Never rejects; never exits this process.
 *
 * @example
 * ```ts
 * import { shutdownAll } from '@forkrpc/core'
 * process.once('SIGTERM', async () => {
 *   const results = await shutdownAll({ grace: 2_000, killTimeout: 1_000 })
 *   console.error(results) // [{ pid, module, code: 0, signal: null, forced: false }, ...]
 *   process.exitCode = 0
 * })
 * ```
 */
export async function shutdownAll(options: Partial<StopOptions> = {}): Promise<ShutdownResult[]> {
  const pools = [...trackedPools].map((pool) => pool.close(options).catch(() => undefined))
  const results = await Promise.all(
    [...trackedWorkers].map(async (worker) => {
      const { pid, module } = worker.info()
      const result = await worker.stop(options).catch((): ExitResult => ({ code: null, signal: null, forced: false }))
      return { pid, module, ...result }
    }),
  )
  await Promise.all(pools)
  return results
}
