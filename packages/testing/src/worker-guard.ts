/**
 * The end-of-test checks of `forkForTest`, kept free of any test framework: watch a
 * worker for exits nobody asked for, then close it and make sure nothing of it is left.
 */
import { workers, type CloseOptions, type Contract, type RpcWorker } from '@forkrpc/core'
import { descendantsOf, isAlive } from './processes.js'

/** What the guard needs to know besides the worker. */
export interface GuardOptions {
  /** How error messages name the worker's module. */
  module: string
  /** Whether the worker may exit without close(). */
  allowExit: boolean
  /** How `finish()` closes the worker. */
  closeOptions: CloseOptions
}

/** A guarded worker: the worker to hand out (its close() counts as asked for), and the final check. */
export interface WorkerGuard<C extends Contract> {
  readonly worker: RpcWorker<C>
  /** Closes the worker; throws if it exited unasked, or if it or its descendants outlive close() (those are killed). */
  finish(): Promise<void>
}

const STDERR_TAIL_CHARS = 2_000

/** Starts watching `worker` (just forked) for the checks of `finish()`. */
export function guardWorker<C extends Contract>(worker: RpcWorker<C>, options: GuardOptions): WorkerGuard<C> {
  let closeRequested = false
  let unexpectedExit: string | undefined
  let stderrTail = ''
  const child = worker.process
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS)
  })
  child.once('exit', (code, signal) => {
    // Asked for: the test closed it, or forkrpc was stopping it (shutdownAll(), a signal
    // handler, a pool); the registry still lists a worker as 'closing' when its process exits.
    const stopping = closeRequested || workers().some((info) => info.pid === worker.pid && info.state === 'closing')
    if (!stopping) unexpectedExit = signal ? `it was killed by ${signal}` : `it exited with code ${code}`
  })
  // Processes the worker started, as last seen while it was alive (once it is gone, they
  // belong to init and cannot be told apart from anyone else's).
  const descendants = new Set<number>()
  const close = (closeOptions?: CloseOptions) => {
    if (!closeRequested && isAlive(worker.pid)) for (const pid of descendantsOf(worker.pid)) descendants.add(pid)
    closeRequested = true
    return worker.close(closeOptions)
  }
  const guarded: RpcWorker<C> = {
    call: worker.call,
    on: worker.on,
    events: worker.events,
    notify: worker.notify,
    pid: worker.pid,
    inspectorUrl: worker.inspectorUrl,
    get process() {
      return worker.process
    },
    close,
    async [Symbol.asyncDispose]() {
      await close()
    },
  }

  async function finish(): Promise<void> {
    const pid = worker.pid
    if (isAlive(pid)) for (const descendant of descendantsOf(pid)) descendants.add(descendant)
    await close(options.closeOptions).catch(() => undefined)
    const problems: string[] = []
    if (unexpectedExit !== undefined && !options.allowExit) {
      const stderr = stderrTail ? `\n--- last lines of its stderr ---\n${stderrTail.trimEnd()}` : ''
      problems.push(`${unexpectedExit} during the test without close() (pass allowExit: true to forkForTest if that is expected)${stderr}`)
    }
    for (const leftover of [pid, ...descendants].filter(isAlive)) {
      problems.push(`process ${leftover}${leftover === pid ? ' (the worker)' : ` (started by worker ${pid})`} was still running after close(), so it was killed`)
      try {
        process.kill(leftover, 'SIGKILL')
      } catch {}
    }
    if (problems.length > 0) throw new Error(`forkForTest: worker ${pid} (${options.module}): ${problems.join('; ')}`)
  }

  return { worker: guarded, finish }
}
