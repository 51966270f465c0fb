/**
 * Signals a child process by its pid (`process.kill`), not with `child.kill()`, whose side
 * effects differ between runtimes. Deno's `ChildProcess.kill()` (2.9.6) records the signal
 * it sent as the exit signal whatever ends the child (a SIGCONT that wakes a stopped worker
 * made its clean exit read `signal: 'SIGCONT'`), disconnects the IPC channel, and ignores
 * every kill after the first (so SIGKILL after SIGTERM did nothing). `process.kill` only
 * sends the signal, on every runtime; the exit is read from the child's 'exit' event.
 */
import type { ChildProcess } from 'node:child_process'
import { debug } from '../base/debug.js'

/** Sends `signal` to `child` while it runs; false when it has exited (or cannot be signalled). */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): boolean {
  // Not once the exit is known: the pid may have been reaped and reused.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false
  try {
    process.kill(child.pid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') debug('could not send %s to worker %d: %o', signal, child.pid, error)
    return false
  }
}
