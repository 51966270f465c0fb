/**
 * Interceptors: middleware around calls and events, on either side. A caller's interceptor
 * sees each call this side makes (procedure, input, options, metadata) and its outcome; a
 * handler's interceptor wraps each handler this side runs (logging, metrics, auth checks);
 * an event interceptor sees each event this side hears before its listeners do. Metadata set
 * by a caller's interceptor travels with the request and is the handler's `ctx.metadata`
 * (how tracing carries its context across).
 */
import type { HandlerContext } from './handler-types.js'

/**
 * The kind of a call: a procedure, a stream (its outcome is an AsyncIterable) or an input
 * stream (its input is an iterable).
 *
 * @example
 * ```ts
 * const kind: CallKind = 'stream'
 * ```
 */
export type CallKind = 'procedure' | 'stream' | 'input-stream'

/**
 * A call as a caller's interceptor sees it. `metadata` is sent with the request (strings
 * only); an interceptor may add to it.
 *
 * @example
 * ```ts
 * const logCalls: CallInterceptor = (call, next) => { console.log(call.procedure, call.input); return next(call) }
 * ```
 */
export interface InterceptedCall {
  /** The procedure's name. */
  readonly procedure: string
  /** A procedure, a stream or an input stream. */
  readonly kind: CallKind
  /** The input as the caller passed it (for an input stream, its iterable). */
  readonly input: unknown
  /**
   * The call's options as the caller passed them (`signal`, `timeout`, `credit`,
   * `onProgress`), or undefined.
   */
  readonly options: Readonly<Record<string, unknown>> | undefined
  /** Sent with the request; the handler reads it as `ctx.metadata`. */
  readonly metadata: Record<string, string>
}

/**
 * A caller's interceptor: gets the call and `next`, which makes it (pass the call on,
 * changed or not) and returns its outcome: a promise of the output, or for a stream
 * (`call.kind === 'stream'`) its AsyncIterableIterator. Return what `next` returns, or
 * something of the same kind; throw (or reject) to fail the call. An `async` interceptor works
 * for streams too: the promise of the iterator is awaited on the first `next()`.
 *
 * @remarks
 * Metadata values must be strings: any other fails the call with a TypeError.
 *
 * @example
 * ```ts
 * const timed: CallInterceptor = (call, next) => {
 *   if (call.kind === 'stream') return next(call) // the iterator itself, not a promise of it
 *   const started = performance.now()
 *   return Promise.resolve(next(call)).finally(() => metrics.observe(call.procedure, performance.now() - started))
 * }
 * await fork(math, url, { interceptors: { call: [timed] } })
 * ```
 */
export type CallInterceptor = (call: InterceptedCall, next: (call: InterceptedCall) => unknown) => unknown

/**
 * A call as a handler's interceptor sees it.
 *
 * @example
 * ```ts
 * const onlyAdmins: HandlerInterceptor = (call, next) => { if (call.ctx.metadata.role !== 'admin') throw new Error('forbidden'); return next(call.input) }
 * ```
 */
export interface HandledCall {
  /** The procedure's name. */
  readonly procedure: string
  /** A procedure, a stream or an input stream. */
  readonly kind: CallKind
  /** The input the handler will get (parsed by its schema, if any; for an input stream, its chunks, an AsyncIterable). For the second interceptor on, what the one before passed to `next`. */
  readonly input: unknown
  /** The handler's context (`signal`, `deadline`, `metadata`, `emit`, `host`, ...). */
  readonly ctx: HandlerContext
}

/**
 * A handler's interceptor: gets the call and `next`, which runs the handler with an input
 * (pass `call.input`, or another) and returns what it returns (for a stream, its
 * AsyncIterable). Return that, or something of the same kind (a promise of it, from an
 * `async` interceptor, is awaited before the first chunk); throw to fail the call.
 *
 * @example
 * ```ts
 * const logged: HandlerInterceptor = (call, next) => {
 *   if (call.kind === 'stream') return next(call.input) // the AsyncIterable itself
 *   console.error('start', call.procedure)
 *   return Promise.resolve(next(call.input)).finally(() => console.error('end', call.procedure))
 * }
 * serve(contract, handlers, { interceptors: { handler: [logged] } })
 * ```
 */
export type HandlerInterceptor = (call: HandledCall, next: (input: unknown) => unknown) => unknown

/**
 * An event as an event interceptor sees it: its name, payload, and the procedure whose handler
 * emitted it, if known.
 *
 * @example
 * ```ts
 * const heard: InterceptedEvent = { name: 'progress', payload: { pct: 50 }, procedure: 'convert' }
 * ```
 */
export interface InterceptedEvent {
  /** The event's name. */
  readonly name: string
  /** Its payload, decoded. For the second interceptor on, what the one before passed to `next`. */
  readonly payload: unknown
  /** The procedure of the call whose handler emitted it, while that call is pending here (undefined otherwise, and for notifications). */
  readonly procedure: string | undefined
}

/**
 * An event interceptor: sees each event this side hears (the parent: the worker's events;
 * the worker: notifications) before its listeners; `next(payload)` delivers it (changed or
 * not), and not calling it drops the event.
 *
 * @remarks
 * It runs before a call's `onProgress`, then `on` listeners and `events()` iterators. With event
 * interceptors, events that nobody listens to are decoded too, to reach them. An interceptor that
 * throws does not stop the channel: the error is rethrown asynchronously, like an EventEmitter
 * listener's.
 *
 * @example
 * ```ts
 * const quiet: EventInterceptor = (event, next) => { if (event.name !== 'debug') next(event.payload) }
 * ```
 */
export type EventInterceptor = (event: InterceptedEvent, next: (payload: unknown) => void) => void

/**
 * The interceptors of one side: around the calls it makes, the handlers it runs, and the
 * events it hears. Each list runs in order, the first outermost.
 *
 * @remarks
 * Every side takes the same `interceptors` option: `fork`, `connect`, `spawnThread` and
 * `createPool` (the parent's side), `serve` (the worker's), `createClient` and `createRouter`, and
 * the test pair (`interceptors` for its parent, `workerInterceptors` for its worker). It is
 * checked when the side is made: an unknown key, or a list that is not of functions, is a
 * TypeError. `call` runs around each call this side makes (the parent: the worker's procedures,
 * streams and input streams; the worker: host procedures, `ctx.host`); `handler` around each
 * handler this side runs (the worker: its procedures and streams; the parent: its host
 * procedures); `event` before the listeners of each event this side hears (the parent: the
 * worker's events, a call's `onProgress` included; the worker: the parent's notifications). A pool
 * runs its `call` interceptors once per call, in the parent, around the whole call: queue time,
 * and a retry of an idempotent call on another worker, are inside it, and a retry does not run
 * them again; its workers only carry the metadata they set. Metadata that a caller's interceptor
 * sets travels with the request (the `md` field of the wire protocol, docs/protocol.md) and is the
 * handler's `ctx.metadata`. A side without interceptors pays nothing for them.
 *
 * @example
 * ```ts
 * const interceptors: Interceptors = { call: [logCalls], handler: [checkAuth], event: [dropDebugEvents] }
 * ```
 */
export interface Interceptors {
  /** Around each call this side makes. */
  call?: readonly CallInterceptor[] | undefined
  /** Around each handler this side runs (the parent: its host handlers). */
  handler?: readonly HandlerInterceptor[] | undefined
  /** Before the listeners of each event this side hears. */
  event?: readonly EventInterceptor[] | undefined
}
