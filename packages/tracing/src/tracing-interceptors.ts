/**
 * `tracingInterceptors()`: the interceptors that carry an OpenTelemetry trace across the fork,
 * the same set for both sides. The parent passes them to `fork()` (or `spawnThread()`, a pool,
 * `createClient`), the worker to `serve()` (or `createRouter`).
 */
import type { CallInterceptor, HandlerInterceptor, Interceptors } from '@forkrpc/core'
import { callerSpans } from './caller-span.js'
import { handlerSpans } from './handler-span.js'
import { resolveTracing, type TracingOptions } from './tracing-options.js'

/**
 * What `tracingInterceptors()` returns: `interceptors` for either side. `call` wraps the calls
 * that side makes (the parent's calls; the worker's `ctx.host` calls) in CLIENT spans, and
 * `handler` runs the handlers of that side (the worker's procedures; the parent's host
 * procedures) in SERVER spans. There are no event interceptors: an event carries no trace
 * context, and the handler that emits it is already inside its SERVER span.
 *
 * @example
 * ```ts
 * const tracing: TracingInterceptors = tracingInterceptors()
 * // other interceptors after tracing's, so that they run inside its spans
 * await fork(app, url, { interceptors: { call: [...tracing.call, logCalls], handler: tracing.handler } })
 * ```
 */
export interface TracingInterceptors extends Interceptors {
  /** One interceptor: a CLIENT span around each call this side makes, its context sent in the call's metadata. */
  readonly call: readonly CallInterceptor[]
  /** One interceptor: each handler this side runs, inside a SERVER span that is a child of its caller's. */
  readonly handler: readonly HandlerInterceptor[]
}

/**
 * The interceptors that carry the active OpenTelemetry trace context with each call, and run
 * each handler inside it: a span started in the parent has the worker's work as its children,
 * across processes and threads. Each call gets a CLIENT span named `forkrpc <procedure>` (with
 * `rpc.system`, `rpc.method` and `rpc.forkrpc.kind` attributes) on the caller's side, and a
 * SERVER span of the same name on the handler's side, child of the caller's; a failed call or
 * handler records its error and ends its span with status ERROR; a stream's spans last until
 * the stream ends. Both sides need an OpenTelemetry SDK with a context manager (the
 * AsyncLocalStorage one) and a propagator (W3C trace context): `NodeSDK` registers both.
 *
 * @example
 * ```ts
 * // parent
 * import { tracingInterceptors } from '@forkrpc/tracing'
 * const worker = await fork(thumbnails, url, { interceptors: tracingInterceptors() })
 * await tracer.startActiveSpan('render page', async (span) => {
 *   await worker.call.resize({ path }) // forkrpc resize (CLIENT), then its SERVER span in the worker
 *   span.end()
 * })
 * // worker
 * serve(thumbnails, handlers, { interceptors: tracingInterceptors() })
 * ```
 */
export function tracingInterceptors(options?: TracingOptions): TracingInterceptors {
  const tracing = resolveTracing(options)
  return Object.freeze({ call: Object.freeze([callerSpans(tracing)]), handler: Object.freeze([handlerSpans(tracing)]) })
}
