/**
 * Opt-in signal handling in the parent: on SIGINT or SIGTERM, the app's `beforeShutdown`
 * (stop taking requests, finish those in flight), then every worker stops in stages. The
 * library never calls `process.exit()`; what happens to the parent afterwards is the app's
 * decision (see {@link handleSignals}).
 */
import { constants } from 'node:os'
import { checkTimeout } from '../base/timeouts.js'
import { appShutdown } from './app-shutdown.js'
import { killAll, shutdownAll, type CloseOptions, type ShutdownResult, type StopOptions } from './registry.js'
import { SignalShutdown } from './signal-shutdown.js'
import { appListenerCount } from './sigterm-watch.js'

/**
 * The default bound on `handleSignals()`' `beforeShutdown`, in ms.
 *
 * @example
 * ```ts
 * handleSignals({ beforeShutdown: drain, beforeShutdownTimeout: DEFAULT_BEFORE_SHUTDOWN_TIMEOUT_MS * 2 })
 * ```
 */
export const DEFAULT_BEFORE_SHUTDOWN_TIMEOUT_MS = 10_000

/**
 * Options of {@link handleSignals}.
 *
 * @example
 * ```ts
 * handleSignals({
 *   beforeShutdown: () => new Promise<void>((resolve) => server.close(() => resolve())),
 *   grace: 2_000,
 *   killTimeout: 1_000,
 *   onShutdown: (results) => console.error(results),
 * })
 * ```
 */
export interface HandleSignalsOptions extends CloseOptions {
  /** The signals to handle; a name that is not a signal is a `TypeError`. Default `['SIGINT', 'SIGTERM']`. */
  signals?: readonly NodeJS.Signals[] | undefined
  /**
   * Awaited first, before any worker stops: stop taking new work (close the server) and let
   * the requests in flight finish. Meanwhile the workers serve on (a worker that got the
   * same SIGTERM too leaves its stop to this shutdown) and no worker is started. Bounded by
   * `beforeShutdownTimeout`; if it throws, the error goes to stderr and the workers stop anyway.
   */
  beforeShutdown?: ((signal: NodeJS.Signals) => void | Promise<void>) | undefined
  /** The longest wait for `beforeShutdown`, in ms, before the workers stop anyway. Default 10,000 (`0` or `Infinity`: no bound). */
  beforeShutdownTimeout?: number | undefined
  /**
   * Called once every worker has stopped. With it, the app decides what happens next (the
   * process exits by itself once nothing else keeps it alive). Without it, and with no
   * other listener of its own for the signal, the signal is raised again once the workers
   * are down, so the process ends as it would have without forkrpc.
   */
  onShutdown?: ((results: ShutdownResult[], signal: NodeJS.Signals) => void) | undefined
}

/**
 * Shuts the app's workers down in order when this process gets SIGINT or SIGTERM (Ctrl-C,
 * `docker stop`, `kill`, systemd): at once, no worker is started any more; then the app's
 * `beforeShutdown` runs (a server stops accepting and finishes its requests, the workers
 * serving them meanwhile), at most `beforeShutdownTimeout` ms; then every worker stops in
 * stages: calls in flight get `grace` ms, each worker runs its `onShutdown` hooks and exits;
 * SIGTERM, then SIGKILL after `killTimeout` for the stubborn; then `onShutdown`. A second
 * signal while that runs kills the workers at once. Returns a function that removes the
 * handlers.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createPool, handleSignals } from '@forkrpc/core'
 * const pool = createPool(hashing, new URL('./hash.worker.js', import.meta.url), { max: 2, timeout: 2_000 })
 * const server = createServer(async (req, res) => res.end(await pool.call.sha256(req.url ?? ''))).listen(8080)
 * handleSignals({
 *   beforeShutdown: () => new Promise<void>((resolve) => server.close(() => resolve())), // stop accepting, finish requests
 *   grace: 2_000,
 *   onShutdown: (results) => { process.exitCode = results.some((r) => r.forced) ? 1 : 0 },
 * })
 * ```
 */
export function handleSignals(options: HandleSignalsOptions = {}): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM']
  if (!Array.isArray(signals) || signals.some((signal) => typeof signal !== 'string')) {
    throw new TypeError('handleSignals({ signals }): expected an array of signal names')
  }
  // process.on() takes any event name, so a misspelt signal would be listened to for ever, never come, and leave the app unguarded.
  const unknown = signals.filter((signal) => !Object.hasOwn(constants.signals, signal))
  if (unknown.length > 0) throw new TypeError(`handleSignals({ signals }): not a signal: ${unknown.join(', ')} (signal names are like 'SIGTERM')`)
  for (const name of ['beforeShutdown', 'onShutdown'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`handleSignals({ ${name} }): expected a function`)
  }
  checkTimeout(options.beforeShutdownTimeout, 'beforeShutdownTimeout', 'handleSignals()')
  checkTimeout(options.grace, 'grace', 'handleSignals()')
  checkTimeout(options.killTimeout, 'killTimeout', 'handleSignals()')
  const shutdown = new SignalShutdown(
    {
      source: {
        on: (signal, listener) => process.on(signal, listener),
        off: (signal, listener) => process.off(signal, listener),
        appListeners: appListenerCount,
        raise: (signal) => process.kill(process.pid, signal),
      },
      app: appShutdown,
      stopAll: shutdownAll,
      killAll,
      limits: { grace: options.grace, killTimeout: options.killTimeout },
      beforeShutdown: options.beforeShutdown,
      beforeShutdownTimeout: options.beforeShutdownTimeout ?? DEFAULT_BEFORE_SHUTDOWN_TIMEOUT_MS,
      onShutdown: options.onShutdown,
    },
    signals,
  )
  return () => shutdown.remove()
}
