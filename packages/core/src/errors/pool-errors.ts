/**
 * Errors of pools: the queue is full, or the pool stopped starting workers.
 */
import { ForkRpcError, type ForkRpcErrorOptions } from './forkrpc-error.js'

/**
 * Options of {@link QueueFullError}.
 *
 * @example
 * ```ts
 * new QueueFullError('busy', { procedure: 'resize', maxQueue: 100 })
 * ```
 */
export interface QueueFullErrorOptions extends ForkRpcErrorOptions {
  /** The queue's limit. */
  maxQueue?: number | undefined
}

/**
 * A pool's queue of waiting calls is full (`maxQueue`): the call was not queued. Retry
 * later, shed the load, or raise `maxQueue` / `max`.
 *
 * @example
 * ```ts
 * await pool.call.resize(image).catch((err) => {
 *   if (err instanceof QueueFullError) return reply503()
 *   throw err
 * })
 * ```
 */
export class QueueFullError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_QUEUE_FULL'
  /** The queue's limit. */
  readonly maxQueue: number | undefined

  constructor(message = "The pool's queue is full", options: QueueFullErrorOptions = {}) {
    super(message, options)
    this.maxQueue = options.maxQueue
  }
}

/** The QueueFullError of a call of `procedure` refused by a queue of `maxQueue`. */
export function queueFull(procedure: string, maxQueue: number): QueueFullError {
  return new QueueFullError(`Call "${procedure}" was refused: the pool's queue is full (maxQueue: ${maxQueue}); retry later, or raise maxQueue or max`, { procedure, maxQueue })
}

/**
 * A pool stopped starting workers because they kept dying (at startup, or too often in its
 * restart window), and no worker is left to take the call. `cause` is the last failure. The
 * pool tries one worker again once `restartWindow` has passed.
 *
 * @example
 * ```ts
 * pool.on('crashloop', ({ error }) => alert(`workers keep dying: ${error.message}`))
 * await pool.call.parse(text).catch((err) => err instanceof CrashLoopError && console.error(err.cause))
 * ```
 */
export class CrashLoopError extends ForkRpcError {
  override readonly code = 'ERR_FORKRPC_CRASH_LOOP'

  constructor(message = 'The pool stopped starting workers', options: ForkRpcErrorOptions = {}) {
    super(message, options)
  }
}

/** The CrashLoopError of a call of `procedure` (or of the pool) after the guard tripped for `detail`. */
export function crashLoop(procedure: string | undefined, detail: string, cause: unknown): CrashLoopError {
  return new CrashLoopError(
    `${procedure === undefined ? 'The pool' : `Call "${procedure}" failed: the pool`} stopped starting workers because ${detail}; see the cause for the last failure`,
    { procedure, cause },
  )
}
