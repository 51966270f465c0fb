/**
 * The caller's side: each call gets a CLIENT span, a child of the context active when the call
 * is made, and that span's context is written into the call's metadata (W3C `traceparent` and
 * `tracestate` with the SDK's default propagator), which travels with the request.
 */
import { context, SpanKind, trace } from '@opentelemetry/api'
import type { CallInterceptor } from '@forkrpc/core'
import { endFailed, endWith } from './span-outcome.js'
import { traceStream } from './traced-iterator.js'
import type { Tracing } from './tracing-options.js'

/**
 * The call interceptor: starts the CLIENT span, sends its context, makes the call inside it
 * (so the interceptors after this one see it active), and ends the span with the outcome: a
 * procedure's or an input stream's when its promise settles, a stream's when the stream ends.
 */
export function callerSpans(tracing: Tracing): CallInterceptor {
  return (call, next) => {
    const parent = context.active()
    const span = tracing.tracer.startSpan(tracing.spanName(call.procedure), { kind: SpanKind.CLIENT, attributes: tracing.attributes(call.procedure, call.kind) }, parent)
    const scope = trace.setSpan(parent, span)
    tracing.inject(scope, call.metadata)
    let outcome: unknown
    try {
      outcome = context.with(scope, () => next(call))
    } catch (error) {
      endFailed(span, error)
      throw error
    }
    return call.kind === 'stream' ? traceStream(outcome, span) : endWith(span, outcome)
  }
}
