/**
 * What differs between a process worker and a thread worker, behind one interface: how the
 * worker is reached and watched, asked to shut down, and killed. The startup, the worker
 * object and the staged stop are the same for both.
 */
import type { OwnedChannel } from '../channel/process-channel.js'
import type { ExitDetails } from '../errors/worker-errors.js'
import type { WorkerRuntime } from '../supervision/registry.js'

/** A started worker, process or thread, as its lifecycle sees it. */
export interface WorkerHandle {
  readonly runtime: WorkerRuntime
  /** How errors name the worker: its module path, or `<file> (pid N)`. */
  readonly label: string
  /** The worker process's pid; for a thread, this process's. */
  readonly pid: number
  readonly threadId: number | undefined
  readonly channel: OwnedChannel
  /** Resolves once the worker has exited (or failed to start). */
  readonly exited: Promise<ExitDetails>
  /**
   * Resolves once the worker is gone for good: exited, its channel closed (so every call in
   * flight has been rejected), its stderr read, and its process group emptied.
   */
  readonly gone: Promise<ExitDetails>
  /**
   * Resolves once the worker has exited and its stderr is read to the end (or shortly after
   * the exit, when something else holds stderr open): how it ended, in full, for
   * StartupError. Later than `gone` when the channel closed first (Deno closes a dying
   * worker's channel before it writes the uncaught error).
   */
  readonly ended: Promise<ExitDetails>
  running(): boolean
  /** Wakes a stopped (SIGSTOP) process with SIGCONT, so that it can take part in its stop; nothing for a thread or on Windows. */
  resume(): void
  /** The polite stage: the shutdown message (and, for a process, closing the IPC channel). */
  requestShutdown(): void
  /** The firm stage: SIGTERM to a process; a thread is asked to shut down again. */
  terminate(): void
  /** Whether this side has been through the firm stage (`terminate()`): a process's SIGTERM is then ours. */
  terminated(): boolean
  /** The last stage: SIGKILL (to the whole process group, with `processGroup`) or `thread.terminate()`. */
  kill(): void
  /** Whether this side killed it (`kill()` while it ran): its stop was forced, whoever asked. */
  killed(): boolean
  /** Whether the worker keeps this process alive (while starting and stopping) or not (once ready and idle). */
  hold(active: boolean): void
  /** Says that this side is stopping the worker: a disconnect is ours, and the exit will come. */
  stopping(): void
  /** Why the worker exited before it was ready, for StartupError. */
  explainEarlyExit(details: ExitDetails): string
  /** The error that kept it from starting at all, if any. */
  startError(): Error | undefined
}
