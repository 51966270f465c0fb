/**
 * The errors of @forkrpc/testing, in forkrpc's style: exported classes extending
 * ForkRpcError with a stable `code`.
 */
import { ForkRpcError } from '@forkrpc/core'

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
