/**
 * `assertNoWorkers`: the check, at the end of a test or a suite, that no forkrpc worker is
 * still running in this process, from @forkrpc/core's registry of workers.
 */
import { shutdownAll, workers } from '@forkrpc/core'
import { workersStillRunning } from './errors.js'

/**
 * Resolves if no worker forkrpc started (`fork`, `connect`, pools) in this process is still
 * running. Otherwise it stops them all (`shutdownAll({ grace: 0, killTimeout: 1_000 })`,
 * so that a failing test leaves nothing behind either) and rejects with
 * WorkersStillRunningError listing them. Any test framework; use it after each test, or
 * after all of them when workers are shared across tests.
 *
 * @example
 * ```ts
 * import { afterEach } from 'vitest'
 * import { assertNoWorkers } from '@forkrpc/testing'
 * afterEach(() => assertNoWorkers())
 * ```
 */
export async function assertNoWorkers(): Promise<void> {
  const running = workers()
  if (running.length === 0) return
  await shutdownAll({ grace: 0, killTimeout: 1_000 })
  throw workersStillRunning(running)
}
