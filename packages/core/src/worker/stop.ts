/**
 * The staged stop of a worker, the same for a process and a thread: let calls in flight
 * finish, ask the worker to shut down (its `serve()` runs the shutdown hooks and exits 0),
 * then the firm stage (SIGTERM to a process; a thread is asked again), then kill it.
 */
import { debug } from '../base/debug.js'
import { waitAtMost } from '../base/timeouts.js'
import type { ExitResult, StopOptions } from '../supervision/registry.js'
import type { WorkerHandle } from './worker-handle.js'

/**
 * Stops the worker of `handle` in stages and resolves once it has exited. `drained`
 * resolves when no call is in flight. A stopped process is woken (SIGCONT) first.
 */
export async function stopWorker(handle: WorkerHandle, drained: Promise<void>, limits: StopOptions): Promise<ExitResult> {
  let exited = !handle.running()
  const finished = handle.exited.then((details) => {
    exited = true
    return details
  })
  let forced = false
  if (!exited) {
    // A stopped (SIGSTOP) process would sit through every stage and end SIGKILLed: woken, it
    // finishes its calls and shuts down like any other. A running one ignores SIGCONT.
    handle.resume()
    const polite = drained.then(() => {
      if (!exited) handle.requestShutdown()
      return finished
    })
    await waitAtMost(polite, limits.grace)
    if (!exited) {
      debug('%s worker %s still running after %d ms: the firm stage', handle.runtime, handle.label, limits.grace)
      handle.terminate()
      await waitAtMost(finished, limits.killTimeout)
    }
    if (!exited) {
      debug('%s worker %s still running %d ms later: killed', handle.runtime, handle.label, limits.killTimeout)
      forced = true
      handle.kill()
    }
  }
  const details = await finished
  // Killed here, or before close() was called (given up on for unresponsiveAfter, say).
  return { code: details.exitCode, signal: details.signal, forced: forced || handle.killed() }
}
