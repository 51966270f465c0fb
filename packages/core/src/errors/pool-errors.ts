/**
 * Errors of pools: the queue is full, the pool is overloaded (a call could not finish in
 * time), or the pool stopped starting workers.
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
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
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
 * Options of {@link PoolOverloadedError}.
 *
 * @example
 * ```ts
 * new PoolOverloadedError('busy', { procedure: 'hash', timeLeft: 800, expectedWait: 1_900, expectedRun: 50 })
 * ```
 */
export interface PoolOverloadedErrorOptions extends ForkRpcErrorOptions {
  /** What was left of the call's timeout when it was refused, in ms. */
  timeLeft?: number | undefined
  /** How long the pool expected it to wait for its handler to start, in ms. */
  expectedWait?: number | undefined
  /** How long the pool expected its handler to run (its procedure's recent runs), in ms. */
  expectedRun?: number | undefined
}

/**
 * A pool refused a call that could not finish before its deadline: more work was ahead of it
 * than the pool's workers could do in the time it had left (at admission, from the work
 * queued and the procedure's recent run times), or, when its turn came, it had less time
 * left than its procedure runs. It never reached a worker (the retry of an idempotent call
 * whose worker died: not again). Only calls with a `timeout`, and
 * only with the pool's `overload: 'shed'` (the default). A server answers 503 (Service
 * Unavailable) at once, rather than 504 once the timeout has run out.
 *
 * @example
 * ```ts
 * const digest = await pool.call.hash(body, { timeout: 2_000 }).catch((err) => {
 *   if (err instanceof PoolOverloadedError) return reply(503, { retryAfter: 1 })
 *   if (err instanceof TimeoutError) return reply(504)
 *   throw err
 * })
 * ```
 */
export class PoolOverloadedError extends ForkRpcError {
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
  override readonly code = 'ERR_FORKRPC_POOL_OVERLOADED'
  /** What was left of the call's timeout when it was refused, in ms. */
  readonly timeLeft: number | undefined
  /** How long the pool expected it to wait for its handler to start, in ms. */
  readonly expectedWait: number | undefined
  /** How long the pool expected its handler to run, in ms. */
  readonly expectedRun: number | undefined

  constructor(message = 'The pool is overloaded: the call could not finish in time', options: PoolOverloadedErrorOptions = {}) {
    super(message, options)
    this.timeLeft = options.timeLeft
    this.expectedWait = options.expectedWait
    this.expectedRun = options.expectedRun
  }
}

/** The PoolOverloadedError of a call of `procedure` with `timeLeft` ms left, which would wait `expectedWait` and run `expectedRun` ms. */
export function poolOverloaded(procedure: string, timeLeft: number, expectedWait: number, expectedRun: number): PoolOverloadedError {
  const [left, wait, run] = [timeLeft, expectedWait, expectedRun].map((ms) => Math.max(0, Math.round(ms))) as [number, number, number]
  const why = wait > 0 ? `would wait ~${wait} ms and run ~${run} ms` : `runs ~${run} ms`
  return new PoolOverloadedError(`Call "${procedure}" was refused: the pool is overloaded; it ${why}, but has ${left} ms left of its timeout`, {
    procedure,
    timeLeft: left,
    expectedWait: wait,
    expectedRun: run,
  })
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
  /** The stable code of this error, the same whatever its message (for a `switch` or a log query). */
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
