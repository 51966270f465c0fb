/**
 * Opt-in signal handling in the parent: on SIGINT or SIGTERM, stop every worker in stages.
 * The library never calls `process.exit()`; what happens to the parent afterwards is the
 * app's decision (see {@link handleSignals}).
 */
import { debug } from '../base/debug.js'
import { killAll, shutdownAll, type ShutdownResult, type StopOptions } from './registry.js'

/**
 * Options of {@link handleSignals}.
 *
 * @example
 * ```ts
 * handleSignals({ grace: 2_000, killTimeout: 1_000, onShutdown: (results, signal) => server.close() })
 * ```
 */
export interface HandleSignalsOptions extends Partial<StopOptions> {
  /** The signals to handle. Default `['SIGINT', 'SIGTERM']`. */
  signals?: readonly NodeJS.Signals[]
  /**
   * Called once every worker has stopped. With it, the app decides what happens next (the
   * process exits by itself once nothing else keeps it alive). Without it, and with no
   * other listener of its own for the signal, the signal is raised again once the workers
   * are down, so the process ends as it would have without forkrpc.
   */
  onShutdown?: (results: ShutdownResult[], signal: NodeJS.Signals) => void
}

/**
 * Stops every forkrpc worker in stages when this process gets SIGINT or SIGTERM (Ctrl-C,
 * `docker stop`, `kill`): calls in flight get `grace` ms, then each worker runs its
 * `onShutdown` hooks and exits; SIGTERM, then SIGKILL after `killTimeout` for the stubborn.
 * A second signal while that runs kills the workers at once. Returns a function that
 * removes the handlers.
 *
 * @example
 * ```ts
 * import { fork, handleSignals } from '@forkrpc/core'
 * handleSignals({ grace: 2_000, onShutdown: (results) => { console.error(results); process.exitCode = 0 } })
 * await using worker = await fork(math, './math.worker.js')
 * ```
 */
export function handleSignals(options: HandleSignalsOptions = {}): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM']
  if (!Array.isArray(signals) || signals.some((signal) => typeof signal !== 'string')) {
    throw new TypeError('handleSignals({ signals }): expected an array of signal names')
  }
  if (options.onShutdown !== undefined && typeof options.onShutdown !== 'function') throw new TypeError('handleSignals({ onShutdown }): expected a function')
  let shuttingDown = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      debug('%s during the shutdown: killing every worker now', signal)
      killAll()
      return
    }
    shuttingDown = true
    debug('%s: stopping every worker', signal)
    void shutdownAll({ grace: options.grace, killTimeout: options.killTimeout }).then((results) => {
      if (options.onShutdown !== undefined) {
        remove()
        options.onShutdown(results, signal)
        return
      }
      const ours = process.listenerCount(signal)
      remove()
      // Nobody else listens: the app relies on the default action (termination), so raise
      // the signal again now that no listener of ours is in the way.
      if (ours === 1) process.kill(process.pid, signal)
    })
  }
  const remove = (): void => {
    for (const signal of signals) process.off(signal, onSignal)
  }
  for (const signal of signals) process.on(signal, onSignal)
  return remove
}
