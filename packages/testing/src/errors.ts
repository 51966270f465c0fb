/**
 * The errors of @forkrpc/testing, in forkrpc's style: exported classes extending
 * ForkRpcError with a stable `code`.
 */
import { ForkRpcError, type ForkRpcErrorOptions, type WorkerInfo } from '@forkrpc/core'

/**
 * A mock worker was asked for something it was not given: a procedure without a handler,
 * or its child process (a mock has none).
 *
 * @example
 * ```ts
 * const worker = mockWorker(math, { add: ({ a, b }) => a + b })
 * await worker.call.fib({ n: 3 }).catch((err) => err instanceof NotImplementedError) // true
 * ```
 */
export class NotImplementedError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_NOT_IMPLEMENTED'

  constructor(message = 'Not implemented in this mock worker', options: ForkRpcErrorOptions = {}) {
    super(message, options)
  }
}

/** The NotImplementedError of a call of `procedure`, which the mock worker has no handler for. */
export function notImplemented(procedure: string): NotImplementedError {
  return new NotImplementedError(`mockWorker(): procedure "${procedure}" has no handler; pass one in mockWorker(contract, { ${procedure}: ... })`, { procedure })
}

/** The NotImplementedError of a host call to `procedure`, which the mock worker was given no host handler for. */
export function hostNotImplemented(procedure: string): NotImplementedError {
  return new NotImplementedError(`mockWorker(): host procedure "${procedure}" has no handler; pass one in mockWorker(contract, handlers, { host: { ${procedure}: ... } })`, { procedure })
}

/**
 * Options of {@link WorkersStillRunningError}.
 *
 * @example
 * ```ts
 * new WorkersStillRunningError('left running', { workers: workers() })
 * ```
 */
export interface WorkersStillRunningErrorOptions extends ForkRpcErrorOptions {
  /** The workers that were still running, as `workers()` listed them. */
  workers?: readonly WorkerInfo[] | undefined
}

/**
 * `assertNoWorkers()` found forkrpc workers still running (they have been stopped since).
 *
 * @example
 * ```ts
 * await assertNoWorkers().catch((err) => {
 *   if (err instanceof WorkersStillRunningError) console.table(err.workers)
 * })
 * ```
 */
export class WorkersStillRunningError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_WORKERS_STILL_RUNNING'
  /** The workers that were still running, as `workers()` listed them. */
  readonly workers: readonly WorkerInfo[]

  constructor(message = 'forkrpc workers are still running', options: WorkersStillRunningErrorOptions = {}) {
    super(message, options)
    this.workers = options.workers ?? []
  }
}

/** The WorkersStillRunningError listing `workers`, which were stopped since. */
export function workersStillRunning(workers: readonly WorkerInfo[]): WorkersStillRunningError {
  const list = workers
    .map(({ runtime, pid, threadId, module, state, inFlight }) => `\n  ${runtime === 'thread' ? `thread ${threadId}` : `pid ${pid}`} (${state}, ${inFlight} call(s) in flight): ${module}`)
    .join('')
  return new WorkersStillRunningError(`${workers.length} forkrpc worker(s) still running; each was stopped now:${list}`, { workers })
}
