/**
 * The types a contract gives its worker: the context each handler gets, the handler of each
 * procedure, the handlers of the notifications; and the run-time check of handlers, for
 * JavaScript callers whom the types do not protect.
 */
import { checkObject, quoted } from '../base/option-checks.js'
import type { HostClient } from './call-types.js'
import type { Contract, HostProcedures } from './define-contract.js'
import type { EventDefinitions, EventPayload, PayloadArgument } from './event.js'
import type { ProcedureTypes } from './procedure.js'
import type { InputStreamProcedure, StreamProcedure } from './stream.js'

/**
 * What a handler gets besides its input.
 *
 * @example
 * ```ts
 * serve(contract, {
 *   async slow(ms, { signal }) {
 *     await setTimeout(ms, undefined, { signal }) // rejects when the caller cancels or times out
 *     return 'done'
 *   },
 * })
 * ```
 */
export interface HandlerContext<E extends EventDefinitions = EventDefinitions, H extends HostProcedures = HostProcedures> {
  /**
   * Aborts when the caller cancels the call (reason: AbortError), when the call times out
   * (reason: TimeoutError: the caller's cancellation, or `deadline` passing), when the worker
   * shuts down (reason: AbortError), or when the call cannot go on (an input stream's chunk
   * over `maxMessageBytes`, a stream's chunk that cannot be sent).
   */
  readonly signal: AbortSignal
  /** The name of the procedure being called. */
  readonly procedure: string
  /** The call's request id (the same as in debug logs). */
  readonly id: string
  /**
   * When the call's timeout runs out, as a `Date.now()` time, or undefined when it has none
   * (always for a stream: its timeout is the longest wait for each chunk, not a deadline).
   * At that moment `signal` aborts with a TimeoutError (also if the caller's cancellation is
   * lost on the way).
   */
  readonly deadline: number | undefined
  /** What the caller's `call` interceptors sent with the call, a frozen record of strings (a trace context, a request id); empty when they sent nothing. */
  readonly metadata: Readonly<Record<string, string>>
  /**
   * Sends event `name` of the contract to the parent (fire and forget): its `worker.on`
   * listeners and `worker.events` iterators hear it, and for a `progress` event, this
   * call's `onProgress`. Throws a TypeError for an event the contract does not declare, a
   * SerializationError for a payload that cannot be sent (on `advanced` too, where the
   * payload is cloned once before it is sent to find out) and a PayloadTooLargeError for
   * one over `maxMessageBytes`.
   */
  emit<K extends keyof E & string>(name: K, ...payload: PayloadArgument<EventPayload<E[K]>>): void
  /**
   * Calls the procedures the parent serves for this worker (the contract's `host`), with the
   * same timeouts, cancellation and error marshalling as the parent's calls. Pass
   * `{ signal: ctx.signal }` to cancel them with this call. With a `deadline`, each call made
   * through it times out at the latest when what is left of it runs out (if that is sooner
   * than its own timeout): a nested call never outlives this one, and its `TimeoutError`
   * names this call's procedure in `inheritedFrom`.
   */
  readonly host: HostClient<H>
}

/**
 * The handler of procedure `P`: takes the (parsed) input and the context, returns the
 * output or a promise of it. A stream procedure's handler returns an AsyncIterable of its
 * chunks (an `async function*`); an input stream procedure's reads an AsyncIterable.
 *
 * @example
 * ```ts
 * const add: Handler<typeof math.procedures.add> = ({ a, b }) => a + b
 * const ticks: Handler<typeof clock.procedures.ticks> = async function* (n) { for (let i = 0; i < n; i++) yield i }
 * ```
 */
export type Handler<P, E extends EventDefinitions = EventDefinitions, H extends HostProcedures = HostProcedures> =
  P extends InputStreamProcedure<infer K, infer O>
    ? (chunks: AsyncIterable<K>, ctx: HandlerContext<E, H>) => O | PromiseLike<O>
    : P extends StreamProcedure<infer I, infer K>
      ? (input: I, ctx: HandlerContext<E, H>) => AsyncIterable<K>
      : ProcedureTypes<P> extends { handlerInput: infer I; handlerOutput: infer O }
        ? (input: I, ctx: HandlerContext<E, H>) => O | PromiseLike<O>
        : never

/**
 * One handler per procedure of the contract, no more, no fewer.
 *
 * @example
 * ```ts
 * const handlers: Handlers<typeof math> = { add: ({ a, b }) => a + b, slow: async (ms) => 'ok' }
 * ```
 */
export type Handlers<C extends Contract> = { [K in keyof C['procedures']]: Handler<C['procedures'][K], C['events'], C['host']> }

/**
 * The worker's handlers of the contract's notifications; each is optional (a notification
 * without a handler is dropped).
 *
 * @example
 * ```ts
 * const notifications: NotificationHandlers<typeof app> = { reload: ({ path }) => config.reload(path) }
 * serve(app, handlers, { notifications })
 * ```
 */
export type NotificationHandlers<C extends Contract> = {
  [K in keyof C['notifications']]?: (payload: EventPayload<C['notifications'][K]>) => void | Promise<void>
}

/**
 * Throws a TypeError unless `handlers` has a function for every procedure of `contract`,
 * and nothing else.
 */
export function checkHandlers(contract: Contract, handlers: unknown, where: string): void {
  checkObject(handlers, `${where}: handlers`)
  const record = handlers as Record<string, unknown>
  const missing = contract.names.filter((name) => typeof record[name] !== 'function')
  const unknown = Object.keys(record).filter((name) => !contract.names.includes(name))
  if (missing.length === 0 && unknown.length === 0) return
  const parts = []
  if (missing.length > 0) parts.push(`missing a handler for ${quoted(missing)}`)
  if (unknown.length > 0) parts.push(`handlers for procedures not in the contract: ${quoted(unknown)}`)
  throw new TypeError(`${where}: ${parts.join('; ')}`)
}

/**
 * Throws a TypeError unless `notifications` is undefined or an object of functions, one per
 * notification the contract declares.
 */
export function checkNotificationHandlers(contract: Contract, notifications: unknown, where: string): void {
  if (notifications === undefined) return
  checkObject(notifications, where)
  for (const [name, handler] of Object.entries(notifications)) {
    if (!Object.hasOwn(contract.notifications, name)) throw new TypeError(`${where}: "${name}" is not a notification of the contract`)
    if (typeof handler !== 'function') throw new TypeError(`${where}: the handler of "${name}" is not a function`)
  }
}
