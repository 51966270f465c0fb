/**
 * The types a contract gives its caller: the options of a call, the function that calls each
 * procedure, the `call` object, `notify`, and the events heard (`on`, `events`).
 */
import type { Contract, HostProcedures } from './define-contract.js'
import type { EventDefinitions, EventPayload, PayloadArgument } from './event.js'
import type { ProcedureTypes } from './procedure.js'
import type { InputStreamProcedure, StreamProcedure } from './stream.js'

/**
 * Options of one call.
 *
 * @example
 * ```ts
 * await worker.call.slow(50, { signal: AbortSignal.timeout(1_000), timeout: 200 })
 * ```
 */
export interface CallOptions {
  /** Aborting it rejects the call at once with the signal's reason and aborts the handler's `ctx.signal` (with an `AbortError`); a pool also takes the call out of its queue. */
  signal?: AbortSignal | undefined
  /** Milliseconds before the call rejects with TimeoutError; wins over the procedure's and the worker's. `0` or `Infinity`: none. */
  timeout?: number | undefined
}

/**
 * Options of one stream call.
 *
 * @example
 * ```ts
 * for await (const line of worker.call.lines(path, { signal, timeout: 1_000, credit: 64 })) console.log(line)
 * ```
 */
export interface StreamCallOptions {
  /** Aborting it ends the iteration with the signal's reason and stops the worker's generator. */
  signal?: AbortSignal | undefined
  /**
   * The longest wait for each next chunk, in milliseconds, counted only while the consumer
   * is waiting; then the iteration fails with TimeoutError and the worker's generator stops.
   * Wins over the procedure's and the worker's timeout. `0` or `Infinity`: none.
   */
  timeout?: number | undefined
  /** The credit window of this call, from 1 to 65,536 (default: the procedure's). */
  credit?: number | undefined
}

/**
 * Options of one input stream call: a call's, and the credit window of its chunks.
 *
 * @example
 * ```ts
 * await worker.call.countWords(lines, { timeout: 10_000, credit: 64 })
 * ```
 */
export interface InputStreamCallOptions extends CallOptions {
  /** How many chunks may be sent and not yet taken by the handler, from 1 to 65,536 (default: the procedure's). */
  credit?: number | undefined
}

/**
 * The per-call progress option, offered when the contract declares a `progress` event:
 * `onProgress` hears the `progress` events that this call's handler emits.
 *
 * @example
 * ```ts
 * await worker.call.convert(file, { onProgress: ({ pct }) => bar.update(pct) })
 * ```
 */
export type ProgressOption<E extends EventDefinitions> = 'progress' extends keyof E
  ? { /** Called with each `progress` event that this call's handler emits. */ onProgress?: ((payload: EventPayload<E['progress']>) => void) | undefined }
  : {}

/**
 * The function that calls procedure `P`: input first (optional when it may be undefined),
 * then options. A stream procedure's returns an AsyncIterable of its chunks; an input
 * stream procedure's takes an iterable of chunks. `X` is what the caller adds to every
 * call's options (a pool: `priority` and `key`).
 *
 * @example
 * ```ts
 * const add: ProcedureCall<typeof math.procedures.add> = worker.call.add
 * ```
 */
export type ProcedureCall<P, E extends EventDefinitions = EventDefinitions, X extends object = {}> =
  P extends InputStreamProcedure<infer K, infer O>
    ? (chunks: AsyncIterable<K> | Iterable<K>, options?: InputStreamCallOptions & ProgressOption<E> & X) => Promise<O>
    : P extends StreamProcedure<infer I, infer K>
      ? undefined extends I
        ? (input?: I, options?: StreamCallOptions & ProgressOption<E> & X) => AsyncIterableIterator<K>
        : (input: I, options?: StreamCallOptions & ProgressOption<E> & X) => AsyncIterableIterator<K>
      : ProcedureTypes<P> extends { input: infer I; output: infer O }
        ? undefined extends I
          ? (input?: I, options?: CallOptions & ProgressOption<E> & X) => Promise<O>
          : (input: I, options?: CallOptions & ProgressOption<E> & X) => Promise<O>
        : never

/**
 * The typed client of a contract: one async function per procedure, nothing else. `X` is
 * what the caller adds to every call's options (`Client<C, PoolCallOptions>` for a pool).
 *
 * @remarks
 * `worker.call`, `pool.call`, `pair.call` and `ctx.host` are one function per procedure, which
 * never throws: whatever goes wrong is a rejected promise (for a stream, an iterator whose first
 * `next()` rejects).
 *
 * The object is frozen and has no prototype (so it is not thenable). Its second type parameter is
 * what the caller adds to every call's options: a pool's is `Client<C, PoolCallOptions>`
 * (`priority`, `key`).
 *
 * @example
 * ```ts
 * const sum: number = await worker.call.add({ a: 1, b: 2 })
 * ```
 */
export type Client<C extends Contract, X extends object = {}> = { readonly [K in keyof C['procedures']]: ProcedureCall<C['procedures'][K], C['events'], X> }

/**
 * The client a handler uses to call the parent (`ctx.host`).
 *
 * @example
 * ```ts
 * async run(job, ctx) { const dsn: string = await ctx.host.getConfig('dsn', { signal: ctx.signal }) }
 * ```
 */
export type HostClient<H extends HostProcedures> = Client<Contract<H, {}, {}, {}>>

/**
 * The parent's `notify`: sends notification `name` to the worker, fire and forget. Throws a
 * TypeError for an undeclared name, a SerializationError for a payload that cannot be sent
 * (on `advanced` too, where the payload is cloned once before it is sent to find out), a
 * PayloadTooLargeError for one over `maxMessageBytes`, and the closed worker's error once it
 * is closed.
 *
 * @remarks
 * Throws a TypeError for an undeclared name, `SerializationError` or `PayloadTooLargeError` for a
 * payload that cannot be sent, and the closed worker's error once it is closed.
 *
 * @example
 * ```ts
 * worker.notify('reload', { path: '/etc/app.json' })
 * ```
 */
export type Notify<C extends Contract> = <K extends keyof C['notifications'] & string>(name: K, ...payload: PayloadArgument<EventPayload<C['notifications'][K]>>) => void

/**
 * The events of a contract, heard by the parent. Every worker (`fork()`, `spawnThread()`,
 * `connect()`), the test pair and the mock worker offer it.
 *
 * @example
 * ```ts
 * const stop = worker.on('progress', ({ pct }) => console.log(`${pct}%`))
 * for await (const { pct } of worker.events('progress')) if (pct === 100) break
 * stop()
 * ```
 */
export interface EventSource<C extends Contract> {
  /**
   * Calls `listener` with the payload of every `name` event, from any call, until the
   * returned function is called. A listener that throws does not keep the others from
   * hearing the event; its error is rethrown asynchronously (as an uncaught exception,
   * like an EventEmitter listener's).
   */
  on<K extends keyof C['events'] & string>(name: K, listener: (payload: EventPayload<C['events'][K]>) => void): () => void
  /**
   * An async iterator of the payloads of every `name` event from now on. It buffers the
   * events the loop has not taken yet (at most `maxPending`; beyond that it fails with
   * TooManyPendingCallsError), ends when the loop breaks, and ends (done) when the worker
   * is gone.
   */
  events<K extends keyof C['events'] & string>(name: K): AsyncIterableIterator<EventPayload<C['events'][K]>>
}
