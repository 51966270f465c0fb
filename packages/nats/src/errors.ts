/**
 * The errors the NATS transport itself raises, for failures that only a network has: no
 * instance serves the subject, the instance running a call went silent (both extend core's
 * `WorkerExitedError`, so code written for `fork()` handles them unchanged), or the caller
 * holds as much as it may while its connection is down (a `TooManyPendingCallsError`, like
 * `maxPending`). Their own class tells them apart.
 */
import { TooManyPendingCallsError, WorkerExitedError, type TooManyPendingCallsErrorOptions, type WorkerExitedErrorOptions } from '@forkrpc/core'

/**
 * Options of {@link NoRespondersError}.
 *
 * @example
 * ```ts
 * new NoRespondersError('nobody serves "math"', { subject: 'math', procedure: 'add' })
 * ```
 */
export interface NoRespondersErrorOptions extends WorkerExitedErrorOptions {
  /** The subject the call was sent to. */
  subject?: string | undefined
}

/**
 * No instance serves the subject: NATS answered the request with "no responders" (a 503
 * status). The call was not run anywhere. It arrives at once, not after a timeout.
 *
 * @example
 * ```ts
 * try { await worker.call.add({ a: 1, b: 2 }) }
 * catch (err) { if (err instanceof NoRespondersError) console.log(`nobody serves ${err.subject}`) }
 * ```
 */
export class NoRespondersError extends WorkerExitedError {
  /** The subject the call was sent to. */
  readonly subject: string | undefined

  constructor(message = 'No instance serves the subject', options: NoRespondersErrorOptions = {}) {
    super(message, options)
    this.subject = options.subject
  }
}

/**
 * Why a call's instance was given up on: it stopped sending heartbeats while the call ran
 * (`silent`), NATS said nobody listens on its subject any more when the caller sent it the
 * call's next message (`gone`: it exited, or took a new subject after a reconnect), no
 * instance acknowledged the request in time (`unacknowledged`), or this side's own
 * connection to NATS dropped while the call was in flight (`disconnected`).
 *
 * @example
 * ```ts
 * const reason: LostReason = 'silent'
 * ```
 */
export type LostReason = 'silent' | 'gone' | 'unacknowledged' | 'disconnected'

/**
 * Options of {@link InstanceLostError}.
 *
 * @example
 * ```ts
 * new InstanceLostError('the instance went silent', { subject: 'math', reason: 'silent' })
 * ```
 */
export interface InstanceLostErrorOptions extends NoRespondersErrorOptions {
  /** The instance's own subject, when it had acknowledged the call. */
  instance?: string | undefined
  /** Why it was given up on. Default `'silent'`. */
  reason?: LostReason | undefined
}

/**
 * The instance running the call was lost: it went silent (killed, cut off from NATS, or its
 * event loop blocked for longer than the heartbeat timeout), never acknowledged the request,
 * or this side's connection to NATS dropped with the call in flight. The call may or may not
 * have run. Calls of procedures declared `idempotent` are retried once on another instance
 * before this error is given.
 *
 * @example
 * ```ts
 * try { await worker.call.charge(order) }
 * catch (err) { if (err instanceof InstanceLostError) console.log(err.reason, err.instance) }
 * ```
 */
export class InstanceLostError extends WorkerExitedError {
  /** The subject the call was sent to. */
  readonly subject: string | undefined
  /** The instance's own subject, when it had acknowledged the call. */
  readonly instance: string | undefined
  /** Why it was given up on. */
  readonly reason: LostReason

  constructor(message = 'The instance running the call was lost', options: InstanceLostErrorOptions = {}) {
    super(message, options)
    this.subject = options.subject
    this.instance = options.instance
    this.reason = options.reason ?? 'silent'
  }
}

/**
 * Options of {@link TooManyHeldMessagesError}.
 *
 * @example
 * ```ts
 * new TooManyHeldMessagesError('the buffer is full', { limit: 10_000, unit: 'messages', procedure: 'add' })
 * ```
 */
export interface TooManyHeldMessagesErrorOptions extends TooManyPendingCallsErrorOptions {
  /** Which limit was reached: `maxHeldMessages` (`messages`) or `maxHeldBytes` (`bytes`). Default `'messages'`. */
  unit?: 'messages' | 'bytes' | undefined
}

/**
 * The connection to NATS is down and the caller already holds as many messages as it may
 * (`maxHeldMessages`, or `maxHeldBytes` of them): the call (or stream, its credit or input
 * chunks, or the notification) was not sent and will not be. A call rejects with it at once;
 * `notify()` throws it. It extends core's `TooManyPendingCallsError` (and keeps its `code`),
 * so a server that answers 503 to `maxPending` does so here too.
 *
 * @example
 * ```ts
 * try { await worker.call.add({ a: 1, b: 2 }) }
 * catch (err) { if (err instanceof TooManyHeldMessagesError) console.log(`NATS is down; ${err.limit} ${err.unit} held already`) }
 * ```
 */
export class TooManyHeldMessagesError extends TooManyPendingCallsError {
  /** Which limit was reached: `maxHeldMessages` (`messages`) or `maxHeldBytes` (`bytes`). */
  readonly unit: 'messages' | 'bytes'

  constructor(message = 'The connection to NATS is down and the caller holds as many messages as it may', options: TooManyHeldMessagesErrorOptions = {}) {
    super(message, options)
    this.unit = options.unit ?? 'messages'
  }
}
