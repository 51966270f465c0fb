/**
 * The handler's side: each handler runs inside a SERVER span, a child of the context its
 * caller sent in the call's metadata (`ctx.metadata`), or the root of a new trace when the
 * caller sent none. The span is the active one while the handler runs, so the spans the
 * handler starts, and the calls it makes through `ctx.host`, are its children.
 */
import { context, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api'
import type { HandlerInterceptor } from '@forkrpc/core'
import { endFailed, endWith } from './span-outcome.js'
import { traceStream } from './traced-iterator.js'
import type { Tracing } from './tracing-options.js'

/**
 * The handler interceptor: starts the SERVER span, runs the handler inside it, and ends the
 * span with the outcome: when its promise settles, or for a stream when the generator is done,
 * throws or is stopped (each step of the generator runs inside the span too).
 */
export function handlerSpans(tracing: Tracing): HandlerInterceptor {
  return (call, next) => {
    // On ROOT_CONTEXT, as HTTP servers do: the handler's trace is its caller's alone, whatever
    // context happens to be active where forkrpc reads the request.
    const parent = tracing.extract(ROOT_CONTEXT, call.ctx.metadata)
    const span = tracing.tracer.startSpan(tracing.spanName(call.procedure), { kind: SpanKind.SERVER, attributes: tracing.attributes(call.procedure, call.kind) }, parent)
    const scope = trace.setSpan(parent, span)
    let outcome: unknown
    try {
      outcome = context.with(scope, () => next(call.input))
    } catch (error) {
      endFailed(span, error)
      throw error
    }
    return call.kind === 'stream' ? traceStream(outcome, span, scope) : endWith(span, outcome)
  }
}
