/**
 * The staged shutdown of a worker process: let calls in flight finish, ask the worker to
 * shut down and close the IPC channel (on which `serve()` runs its hooks and exits 0),
 * then SIGTERM, then SIGKILL.
 */
import type { ChildProcess } from 'node:child_process'
import pTimeout from 'p-timeout'
import { MAX_TIMER_MS } from './contract.js'
import { debug } from './debug.js'
import type { ExitDetails } from './errors.js'

/**
 * How a worker process ended.
 *
 * @example
 * ```ts
 * const { code, signal, forced } = await worker.close()
 * ```
 */
export interface ExitResult {
  /** The exit code, or null when a signal ended the process. */
  code: number | null
  /** The signal that ended the process, or null. */
  signal: NodeJS.Signals | null
  /** True when the process had to be killed with SIGKILL. */
  forced: boolean
}

/** The stages' time limits, in milliseconds. */
export interface StopOptions {
  /** How long calls in flight may take to finish, and the worker to exit once the channel closes. */
  grace: number
  /** How long the worker has to exit after SIGTERM before it gets SIGKILL. */
  killTimeout: number
}

/** How to reach the worker besides its ChildProcess. */
export interface StopHooks {
  /** Asks the worker to shut down over IPC (works where signals do not). */
  requestShutdown(): void
  /** Sends a signal to the worker (or to its whole process group). */
  kill(signal: NodeJS.Signals): void
}

/**
 * Stops `child` in stages and resolves once it has exited. `drained` resolves when no call
 * is in flight; `exited` when the process has exited.
 *
 * @example
 * ```ts
 * const result = await stopProcess(child, exited, client.drained(), { grace: 5_000, killTimeout: 5_000 })
 * ```
 */
export async function stopProcess(
  child: ChildProcess,
  exited: Promise<ExitDetails>,
  drained: Promise<void>,
  options: StopOptions,
  hooks: StopHooks = { requestShutdown: () => undefined, kill: (signal) => child.kill(signal) },
): Promise<ExitResult> {
  let done = false
  const finished = exited.then((details) => {
    done = true
    return details
  })
  let forced = false
  if (child.exitCode === null && child.signalCode === null) {
    const polite = drained.then(() => {
      if (child.connected && !done) {
        hooks.requestShutdown()
        child.disconnect()
      }
      return finished
    })
    await waitAtMost(polite, options.grace)
    if (!done) {
      debug('worker %d still running after %d ms: SIGTERM', child.pid, options.grace)
      hooks.kill('SIGTERM')
      await waitAtMost(finished, options.killTimeout)
    }
    if (!done) {
      debug('worker %d still running %d ms after SIGTERM: SIGKILL', child.pid, options.killTimeout)
      forced = true
      hooks.kill('SIGKILL')
    }
  }
  const details = await finished
  return { code: details.exitCode, signal: details.signal, forced }
}

/**
 * Waits for `promise`, but no longer than `ms` (0: not at all; Infinity, or anything
 * beyond setTimeout's 2^31-1 ms (about 24.8 days): as long as it takes).
 */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  if (ms <= 0) return
  await pTimeout(promise, { milliseconds: ms > MAX_TIMER_MS ? Infinity : ms, message: false })
}
