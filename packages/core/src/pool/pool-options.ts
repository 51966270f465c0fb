/**
 * The options of `createPool()`: how many workers and how each is used, the crash-loop
 * guard, and how each worker starts: in a child process (the default) with `fork()`'s
 * options, or in a worker thread (`runtime: 'thread'`) with `spawnThread()`'s. One union
 * discriminated by `runtime`, and its one run-time check (for JavaScript callers too).
 */
import { availableParallelism } from 'node:os'
import { checkTimeout, MAX_TIMER_MS } from '../base/timeouts.js'
import { assertContract } from '../contract/define-contract.js'
import { checkHostHandlers } from '../contract/host.js'
import type { CallInterceptor } from '../contract/interceptor-types.js'
import type { MemoryLimits } from '../protocol/messages.js'
import { checkInterceptors } from '../rpc/interceptors.js'
import type { StopOptions } from '../supervision/registry.js'
import type { ForkOptions } from '../worker/fork.js'
import type { ThreadOptions } from '../worker/spawn-thread.js'
import { inspectTarget, type InspectOptions } from '../worker/inspect-option.js'
import { checkWorkerOptions } from '../worker/worker-options.js'
import { checkCrashGuardOptions, type CrashGuardOptions } from './crash-guard.js'
import { carryMetadata } from './metadata-carrier.js'
import type { OverloadMode } from './overload-policy.js'

/**
 * The default `prefetch` of a pool: 4 calls per worker beyond `concurrency` (0 for a pool
 * with `cancelGrace`, which a pool with a `timeout` has by default, or `unresponsiveAfter`:
 * its handlers may get stuck, and their workers be killed).
 *
 * @example
 * ```ts
 * createPool(contract, url, { prefetch: DEFAULT_PREFETCH * 4 }) // tiny tasks: larger batches
 * ```
 */
export const DEFAULT_PREFETCH = 4

/**
 * The default `cancelGrace` of a pool with a `timeout`, in ms: a handler still running this
 * long after its call timed out (or was cancelled) is in synchronous work that does not look
 * at its signal, and its worker is killed and replaced. A handler that honours its signal
 * stops within milliseconds; one that does not would otherwise hold its worker until it
 * ends, maybe never. Replacing it costs the worker's start (tens of ms for a process, less
 * for a thread) and the calls it had waiting (none with the default `prefetch` 0).
 *
 * @example
 * ```ts
 * createPool(contract, url, { timeout: 2_000, cancelGrace: DEFAULT_CANCEL_GRACE * 5 }) // long synchronous tails are normal here
 * ```
 */
export const DEFAULT_CANCEL_GRACE = 1_000

/**
 * The options of every pool, whatever runs its workers.
 *
 * @example
 * ```ts
 * const options: PoolCommonOptions = { min: 1, max: 4, concurrency: 1, maxQueue: 1_000, cancelGrace: 1_000 }
 * ```
 */
export interface PoolCommonOptions extends CrashGuardOptions {
  /** Workers kept running even when idle. Default 0: workers start on demand. */
  min?: number | undefined
  /** The most workers at once (counting those starting and stopping). Default `os.availableParallelism()`. */
  max?: number | undefined
  /**
   * Calls one worker runs at once (its handlers: the worker holds more back). Default 1
   * (CPU-bound work); raise it for async work.
   */
  concurrency?: number | undefined
  /**
   * Calls sent to a worker ahead of a free slot: they wait in the worker, in order, and start
   * the moment a running one ends, so the worker never waits for the pool between calls, and
   * calls come and go in batches. A call that waits there is committed to that worker: if
   * the worker dies, it fails like the running ones (an idempotent one is retried), and a
   * slow call delays the ones behind it there until a worker with a free slot takes them
   * back (with nothing queued, from a line still for 100 ms; plain calls, not streams or
   * keyed calls, whose handler has not started). Default `DEFAULT_PREFETCH` (4), or `0` with
   * `cancelGrace` (a pool with a `timeout` has it by default) or `unresponsiveAfter` (handlers
   * may get stuck there, and their workers killed); `0` sends a worker only what it can
   * start at once. A worker whose cancelled handler still runs is sent no more than
   * `concurrency` calls.
   */
  prefetch?: number | undefined
  /**
   * Calls that may wait beyond what the pool's workers (running, starting, or yet to start
   * under `max`) will take; beyond it a call rejects with QueueFullError. Default Infinity.
   */
  maxQueue?: number | undefined
  /** A worker idle this long is stopped while more than `min` run, in ms. Default 30,000; `0` or `Infinity`: never. */
  idleTimeout?: number | undefined
  /** A worker is replaced after this many calls. Default Infinity. */
  maxTasksPerWorker?: number | undefined
  /** A worker whose heap (`heapUsed`; a thread's own heap) is over this many bytes after a call is replaced. */
  maxHeapBytes?: number | undefined
  /**
   * A worker whose resident set is over this many bytes after a call is replaced. For a
   * thread this is the whole process's resident set, which its threads share.
   */
  maxRssBytes?: number | undefined
  /**
   * What the pool does under overload with calls that have a deadline (a `timeout`).
   * `'shed'` (the default): it runs what can still finish in time and refuses the rest at
   * once with PoolOverloadedError (a server's 503): a call that would have to wait is refused
   * when the work ahead of it (the queued calls of its priority and above, and what is left
   * on the workers, each at its procedure's recent run time), spread over the workers, and
   * its own run would take longer than its time left; and a queued call whose turn comes with
   * less time left than its procedure runs is refused rather than started. Calls without a
   * timeout, streams, and procedures that have not run 3 times yet are never refused.
   * `'queue'`: every call waits its turn until its deadline (TimeoutError then), as before.
   */
  overload?: OverloadMode | undefined
  /**
   * The second level of cancellation: when a call is cancelled or times out, its handler's
   * `ctx.signal` aborts first; if the handler has not settled `cancelGrace` ms later (a
   * synchronous loop does not look at signals), the worker is killed (a thread is
   * terminated) and replaced (`exit` reason `runaway`, counted in `restarts`). Other calls
   * on that worker reject with WorkerExitedError (idempotent ones are retried). Default:
   * `DEFAULT_CANCEL_GRACE` (1,000) for a pool with a `timeout`, off otherwise; `Infinity`
   * turns it off (and the default `prefetch` back on).
   */
  cancelGrace?: number | undefined
}

/**
 * The options of a pool of child processes: every worker is forked with `fork()`'s options.
 *
 * @example
 * ```ts
 * const options: ProcessPoolOptions = { max: 4, serialization: 'advanced', processGroup: true }
 * ```
 */
export interface ProcessPoolOptions extends PoolCommonOptions, ForkOptions {
  /** What runs each worker: a child process started as by `fork()` (the default). See docs/choosing-process-or-thread.md. */
  runtime?: 'process' | undefined
  /** An option of thread pools only (a TypeError at run time). */
  resourceLimits?: undefined
}

/**
 * The options of a pool of worker threads: every worker is started with `spawnThread()`'s
 * options.
 *
 * @example
 * ```ts
 * const options: ThreadPoolOptions = { runtime: 'thread', max: 4, resourceLimits: { maxOldGenerationSizeMb: 256 } }
 * ```
 */
export interface ThreadPoolOptions extends PoolCommonOptions, ThreadOptions {
  /** What runs each worker: a worker thread of this process, started as by `spawnThread()`. See docs/choosing-process-or-thread.md. */
  runtime: 'thread'
  /** An option of process pools only (a TypeError at run time). */
  serialization?: undefined
  /** An option of process pools only (a TypeError at run time). */
  cwd?: undefined
  /** An option of process pools only (a TypeError at run time). */
  execPath?: undefined
  /** An option of process pools only (a TypeError at run time). */
  stdio?: undefined
  /** An option of process pools only (a TypeError at run time). */
  processGroup?: undefined
}

/**
 * Options of {@link (createPool:1)}: a process pool's (the default) or a thread pool's.
 *
 * @remarks
 * A runtime chosen at run time is one option (`runtime: useThreads ? 'thread' : undefined`);
 * the options of one runtime only (`serialization`, `cwd`, `execPath`, `stdio`,
 * `processGroup` for processes, `resourceLimits` for threads) then do not compile, and
 * `createPool()` throws a TypeError naming the option when one reaches it anyway (a cast,
 * JavaScript). Every optional field also takes `undefined`, which stands for left out
 * (`timeout: config.timeout`), also under `exactOptionalPropertyTypes`.
 *
 * @example
 * ```ts
 * const processes: PoolOptions = { max: 4, timeout: 5_000, execArgv: ['--max-old-space-size=512'] }
 * const threads: PoolOptions = { runtime: 'thread', max: 4, timeout: 5_000 }
 * const either = createPool(contract, url, { runtime: process.env.THREADS ? 'thread' : undefined, timeout: config.timeout })
 * ```
 */
export type PoolOptions = ProcessPoolOptions | ThreadPoolOptions

/** How a pool starts each worker. */
export type WorkerStart = { readonly runtime: 'process'; readonly options: ForkOptions } | { readonly runtime: 'thread'; readonly options: ThreadOptions }

/** A pool's options, checked, with their defaults. */
export interface PoolSettings {
  readonly start: WorkerStart
  readonly min: number
  readonly max: number
  readonly concurrency: number
  /** Calls sent to a worker beyond `concurrency`, waiting there for a slot. */
  readonly prefetch: number
  readonly maxQueue: number
  readonly maxTasksPerWorker: number
  /** Undefined: idle workers are never stopped. */
  readonly idleTimeout: number | undefined
  /** Undefined: off. */
  readonly cancelGrace: number | undefined
  readonly overload: OverloadMode
  /** The default timeout of a call (the pool runs it, queue time included). */
  readonly timeout: number | undefined
  /** The `call` interceptors, which the pool runs once per call (its workers run the others). */
  readonly callInterceptors: readonly CallInterceptor[] | undefined
  /** Whether a failed call's error gets the caller's frames. */
  readonly callerStacks: boolean
  /** The stop limits given, for retiring workers (each worker has the defaults otherwise). */
  readonly stopLimits: Partial<StopOptions>
  readonly memoryLimits: MemoryLimits | undefined
}

const DEFAULT_IDLE_TIMEOUT = 30_000
const PROCESS_ONLY = ['serialization', 'cwd', 'execPath', 'stdio', 'processGroup'] as const
const THREAD_ONLY = ['resourceLimits'] as const

/** Checks a pool's contract and options and resolves them; throws a TypeError for a bad one. */
export function readPoolOptions(contract: unknown, options: PoolOptions): PoolSettings {
  assertContract(contract, 'createPool(contract, module)')
  if (typeof options !== 'object' || options === null) throw new TypeError('createPool(contract, module, options): options must be an object')
  // Every worker serves the contract's host procedures with the same handlers: checked before any starts.
  checkHostHandlers(contract, (options as { host?: unknown }).host, 'createPool()')
  const runtime = checkRuntime(options)
  const count = (key: 'min' | 'max' | 'concurrency' | 'prefetch' | 'maxQueue' | 'maxTasksPerWorker', fallback: number, least: number): number => {
    const value = options[key] ?? fallback
    if (typeof value !== 'number' || Number.isNaN(value) || value < least || (value !== Infinity && !Number.isInteger(value))) {
      throw new TypeError(`createPool(): ${key} must be an integer of at least ${least}, got ${String(options[key])}`)
    }
    return value
  }
  const max = count('max', availableParallelism(), 1)
  const min = count('min', 0, 0)
  if (min > max) throw new TypeError(`createPool(): min (${min}) is more than max (${max})`)
  for (const key of ['maxHeapBytes', 'maxRssBytes'] as const) {
    const value = options[key]
    if (value !== undefined && (typeof value !== 'number' || !(value > 0))) throw new TypeError(`createPool(): ${key} must be a positive number of bytes, got ${String(value)}`)
  }
  for (const key of ['timeout', 'startupTimeout', 'grace', 'killTimeout', 'idleTimeout', 'cancelGrace'] as const) checkTimeout(options[key], key, 'createPool()')
  checkWorkerOptions(options, 'createPool()')
  checkCrashGuardOptions(options, 'createPool()')
  // One port for every worker would clash from the second worker on: a pool takes `true` (or port 0).
  const inspect = inspectTarget(options as InspectOptions, 'createPool()')
  if (inspect !== undefined && inspect.port !== 0 && max > 1) {
    throw new TypeError(`createPool(): inspect asks for port ${inspect.port}, which ${max} workers cannot share: give a pool inspect: true (a free port for each worker)`)
  }
  const idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT
  // A pool with a timeout replaces a runaway worker by default: a timed-out synchronous
  // handler (what a CPU pool runs) would otherwise hold its worker until it ends.
  const grace = options.cancelGrace ?? (options.timeout !== undefined && options.timeout > 0 && options.timeout <= MAX_TIMER_MS ? DEFAULT_CANCEL_GRACE : undefined)
  const cancelGrace = grace === undefined || grace > MAX_TIMER_MS ? undefined : grace
  const { call, ...others } = checkInterceptors(options.interceptors, 'createPool({ interceptors })')
  // The pool runs the timeouts (queue time counts); workers get each call's remainder. It runs
  // the call interceptors too, once per call; its workers only send their metadata. Every
  // other option, known to the pool or not, is passed on to each worker's start as it is.
  const workerOptions = { ...options, timeout: undefined, interceptors: call === undefined ? options.interceptors : { ...others, call: [carryMetadata] } }
  return {
    start: runtime === 'thread' ? { runtime, options: workerOptions as ThreadOptions } : { runtime, options: workerOptions as ForkOptions },
    min,
    max,
    concurrency: count('concurrency', 1, 1),
    // A pool told that handlers may get stuck (and their workers killed for it) commits no
    // call to a worker ahead of time: a call waiting behind a stuck one would die with it.
    prefetch: count('prefetch', cancelGrace === undefined && options.unresponsiveAfter === undefined ? DEFAULT_PREFETCH : 0, 0),
    maxQueue: count('maxQueue', Infinity, 0),
    maxTasksPerWorker: count('maxTasksPerWorker', Infinity, 1),
    idleTimeout: idleTimeout === 0 || idleTimeout > MAX_TIMER_MS ? undefined : idleTimeout,
    cancelGrace,
    overload: checkOverload(options.overload),
    timeout: options.timeout,
    callInterceptors: call,
    callerStacks: options.callerStacks !== false,
    stopLimits: { grace: options.grace, killTimeout: options.killTimeout },
    memoryLimits: options.maxHeapBytes === undefined && options.maxRssBytes === undefined ? undefined : { hb: options.maxHeapBytes, rb: options.maxRssBytes },
  }
}

/** `overload`, checked: `'shed'` (the default) or `'queue'`. */
function checkOverload(overload: unknown): OverloadMode {
  if (overload === undefined) return 'shed'
  if (overload !== 'shed' && overload !== 'queue') throw new TypeError(`createPool(): overload must be 'shed' or 'queue', got ${String(overload)}`)
  return overload
}

/** The runtime, once the options fit it: no process-only option on a thread pool, and the other way round. */
function checkRuntime(options: PoolOptions): 'process' | 'thread' {
  const runtime = options.runtime ?? 'process'
  if (runtime !== 'process' && runtime !== 'thread') throw new TypeError(`createPool(): runtime must be 'process' or 'thread', got ${String(runtime)}`)
  const foreign = runtime === 'thread' ? PROCESS_ONLY : THREAD_ONLY
  const other = runtime === 'thread' ? "process pools (runtime: 'process')" : "thread pools (runtime: 'thread')"
  for (const key of foreign) {
    if ((options as Record<string, unknown>)[key] !== undefined) throw new TypeError(`createPool(): ${key} is an option of ${other} only; this pool runs ${runtime === 'thread' ? 'worker threads' : 'child processes'}`)
  }
  if (runtime === 'process') {
    const serialization = (options as ProcessPoolOptions).serialization
    if (serialization !== undefined && serialization !== 'json' && serialization !== 'advanced') throw new TypeError(`createPool(): serialization must be 'json' or 'advanced', got ${String(serialization)}`)
  }
  return runtime
}
