/**
 * The end-of-test checks of `forkForTest`, kept free of any test framework: watch a
 * worker for exits nobody asked for, then close it and make sure nothing of it is left.
 */
import type { CloseOptions, Contract, RpcWorker } from '@forkrpc/core'
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
    if (!closeRequested) unexpectedExit = signal ? `it was killed by ${signal}` : `it exited with code ${code}`
  })
  const close = (closeOptions?: CloseOptions) => {
    closeRequested = true
    return worker.close(closeOptions)
  }
  const guarded: RpcWorker<C> = {
    call: worker.call,
    pid: worker.pid,
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
    const descendants = descendantsOf(pid)
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
