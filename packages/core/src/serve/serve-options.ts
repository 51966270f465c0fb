/**
 * The options of `serve()` and their check.
 */
import { checkBoolean, checkObject } from '../base/option-checks.js'
import { checkTimeout } from '../base/timeouts.js'
import type { Contract } from '../contract/define-contract.js'
import type { NotificationHandlers } from '../contract/handler-types.js'
import type { Interceptors } from '../contract/interceptor-types.js'
import type { MessageLimitOptions } from '../protocol/limits.js'

/**
 * Why a worker shuts down:
 * - `request`: the parent's `close()` (or `shutdownAll()`, or a pool) asked it to;
 * - `SIGTERM`: the process got SIGTERM, and its parent then stopped it (a forkrpc parent leads
 *   the stop of a worker that gets SIGTERM), or it had no parent to lead it;
 * - `disconnect`: the parent closed the IPC channel without asking first;
 * - `parent-died`: the parent process is gone.
 *
 * @example
 * ```ts
 * serve(contract, handlers, { onShutdown: (cause: ShutdownCause) => console.error('bye:', cause) })
 * ```
 */
export type ShutdownCause = 'request' | 'SIGTERM' | 'disconnect' | 'parent-died'

/**
 * A function `serve()` runs once, during the worker's shutdown, after the handlers have
 * settled (or had their share of `shutdownTimeout`): close a database, flush a file. If it
 * throws, the worker exits with code 1.
 *
 * @example
 * ```ts
 * const closeDb: ShutdownHook = async () => { await db.close() }
 * ```
 */
export type ShutdownHook = (cause: ShutdownCause) => void | Promise<void>

/**
 * Options of `serve()`.
 *
 * @example
 * ```ts
 * serve(contract, handlers, { onShutdown: () => db.close(), shutdownTimeout: 5_000, watchdog: true })
 * ```
 */
export interface ServeOptions<C extends Contract = Contract> extends MessageLimitOptions {
  /** Run during the shutdown, in order, after the handlers have settled (or had their share of `shutdownTimeout`). */
  onShutdown?: ShutdownHook | readonly ShutdownHook[] | undefined
  /**
   * Handlers of the contract's notifications (`worker.notify(name, payload)` in the parent).
   * Typed with `NotificationHandlers<typeof contract>`; a notification without a handler is dropped.
   */
  notifications?: NotificationHandlers<C> | undefined
  /**
   * How long, in milliseconds, handlers still running (their `ctx.signal` aborted) and then
   * the hooks have to finish before the worker exits anyway with code 1. Default 3,000.
   * When the parent died, the bound is 500 ms whatever this says. The handlers get the
   * bound less what is kept for the hooks (half of it, at most 1 s): the hooks run even
   * while a handler that ignores its signal still does, and the worker then exits with 1.
   */
  shutdownTimeout?: number | undefined
  /**
   * Run the orphan watchdog: a small thread that kills this process within a second of the
   * parent dying, even while the main thread is stuck in a synchronous loop. It costs about
   * as much memory as one worker thread (see docs/shutdown-and-signals.md). Default true. Threads have none.
   */
  watchdog?: boolean | undefined
  /** Default timeout of the handlers' calls of host procedures (`ctx.host`), in ms. `0` or `Infinity` (the default): none. A host procedure's own or a call's `timeout` wins, and a call still times out when what is left of its handler's `ctx.deadline` runs out, if that is sooner. */
  timeout?: number | undefined
  /**
   * Middleware of the worker: around each handler it runs (`handler`), each host procedure
   * it calls (`call`) and each notification it hears (`event`). See `HandlerInterceptor`.
   */
  interceptors?: Interceptors | undefined
}

/**
 * The default bound on a shutdown: handlers finishing after their signal aborted, then the hooks.
 *
 * @example
 * ```ts
 * const bound = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT_MS
 * ```
 */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 3_000

/** Throws a TypeError for a bad option; returns the shutdown hooks as an array. */
export function checkServeOptions(options: ServeOptions): readonly ShutdownHook[] {
  checkObject(options, 'serve(contract, handlers, options): options')
  checkTimeout(options.shutdownTimeout, 'shutdownTimeout', 'serve()')
  checkTimeout(options.timeout, 'timeout', 'serve()')
  checkBoolean(options.watchdog, 'serve({ watchdog })')
  const hooks = options.onShutdown === undefined ? [] : Array.isArray(options.onShutdown) ? options.onShutdown : [options.onShutdown]
  for (const hook of hooks) {
    if (typeof hook !== 'function') throw new TypeError(`serve({ onShutdown }): expected a function or an array of functions, got ${typeof hook}`)
  }
  return hooks as readonly ShutdownHook[]
}
