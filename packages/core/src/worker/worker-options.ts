/**
 * The options every worker takes, process or thread, with their one set of defaults and
 * their one check.
 */
import { checkBoolean, checkFunction, checkLimit } from '../base/option-checks.js'
import { checkTimeout } from '../base/timeouts.js'
import type { Interceptors } from '../contract/interceptor-types.js'
import type { MessageLimitOptions } from '../protocol/limits.js'
import type { StopOptions } from '../supervision/registry.js'
import type { UnresponsiveEvent } from './liveness.js'

/**
 * How long a worker has to call `serve()` by default: 10 s.
 *
 * @example
 * ```ts
 * await fork(math, url, { startupTimeout: DEFAULT_STARTUP_TIMEOUT_MS * 3 }) // a slow machine
 * ```
 */
export const DEFAULT_STARTUP_TIMEOUT_MS = 10_000

/**
 * How long `close()` lets calls in flight finish by default: 5 s.
 *
 * @example
 * ```ts
 * await worker.close({ grace: DEFAULT_GRACE_MS / 5 })
 * ```
 */
export const DEFAULT_GRACE_MS = 5_000

/**
 * How long a worker has to exit after SIGTERM (a thread: after the second shutdown request)
 * before it is killed, by default: 5 s.
 *
 * @example
 * ```ts
 * await worker.close({ killTimeout: DEFAULT_KILL_TIMEOUT_MS / 5 })
 * ```
 */
export const DEFAULT_KILL_TIMEOUT_MS = 5_000

/**
 * Options of a worker that `fork()`, `connect()`, `spawnThread()` and pools share.
 *
 * @example
 * ```ts
 * const options: WorkerOptions = { timeout: 1_000, startupTimeout: 5_000, grace: 2_000, killTimeout: 1_000 }
 * ```
 */
export interface WorkerOptions extends MessageLimitOptions {
  /** Default timeout of every call in milliseconds; `0` or `Infinity` (the default) for none. */
  timeout?: number | undefined
  /** How long the worker has to call `serve()` before the start rejects with StartupError. Default 10,000 ms. */
  startupTimeout?: number | undefined
  /** How long `close()` lets calls in flight finish before the worker is stopped. Default 5,000 ms. */
  grace?: number | undefined
  /** How long `close()` waits after SIGTERM (a thread: after asking it again) before killing it. Default 5,000 ms. */
  killTimeout?: number | undefined
  /**
   * Join the frames of the code awaiting a failed call to its error's stack (default true).
   * They come from V8's async stack traces when the call fails, so nothing is recorded while
   * calls succeed; `false` leaves them out (the error keeps the worker's frames and the
   * `at <forkrpc call "name" from the parent>` line).
   */
  callerStacks?: boolean | undefined
  /**
   * Middleware of this side: around each call it makes (`call`), each host handler it runs
   * (`handler`) and each event it hears (`event`). See `CallInterceptor`.
   */
  interceptors?: Interceptors | undefined
  /**
   * Liveness: a worker that says nothing, not even an answer to the parent's pings, for longer
   * than this many milliseconds (stopped with SIGSTOP, deadlocked, stuck in a synchronous
   * loop) is given up on: its calls reject with WorkerUnresponsiveError, it is killed, and
   * `onUnresponsive` hears how long it was silent. Silence is counted while this process's
   * event loop runs: a parent that stalls does not give up on its workers for it.
   * Default: off, since long synchronous work
   * is legitimate and looks the same; set it above the longest a handler may block.
   */
  unresponsiveAfter?: number | undefined
  /** Called when the worker is given up on for `unresponsiveAfter`, with how long it was silent. */
  onUnresponsive?: ((event: UnresponsiveEvent) => void) | undefined
}

/** The stop limits of `options`, with the defaults. */
export function stopLimits(options: { grace?: number | undefined; killTimeout?: number | undefined }): StopOptions {
  return { grace: options.grace ?? DEFAULT_GRACE_MS, killTimeout: options.killTimeout ?? DEFAULT_KILL_TIMEOUT_MS }
}

/** Throws a TypeError for a bad worker option. */
export function checkWorkerOptions(options: WorkerOptions, where: string): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object`)
  for (const key of ['timeout', 'startupTimeout', 'grace', 'killTimeout', 'unresponsiveAfter'] as const) checkTimeout(options[key], key, where)
  checkFunction(options.onUnresponsive, 'onUnresponsive')
  for (const key of ['maxPending', 'maxMessageBytes'] as const) checkLimit(options[key], key, where)
  checkBoolean(options.callerStacks, 'callerStacks')
}
