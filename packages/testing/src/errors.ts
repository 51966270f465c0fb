/**
 * The errors of @forkrpc/testing, in forkrpc's style: exported classes extending
 * ForkRpcError with a stable `code`.
 */
import { ForkRpcError, type WorkerInfo } from '@forkrpc/core'

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
  override readonly code = 'ERR_FORKRPC_NOT_IMPLEMENTED'

  constructor(procedure: string | undefined, message = `mockWorker(): procedure "${procedure}" has no handler; pass one in mockWorker(contract, { ${procedure}: ... })`) {
    super(message, { procedure })
  }
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
  override readonly code = 'ERR_FORKRPC_WORKERS_STILL_RUNNING'
  /** The workers that were still running, as `workers()` listed them. */
  readonly workers: readonly WorkerInfo[]

  constructor(workers: readonly WorkerInfo[]) {
    const list = workers.map(({ pid, module, state, inFlight }) => `\n  pid ${pid} (${state}, ${inFlight} call(s) in flight): ${module}`).join('')
    super(`${workers.length} forkrpc worker(s) still running; each was stopped now:${list}`)
    this.workers = workers
  }
}
