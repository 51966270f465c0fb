/**
 * How a span ends: with the outcome of its call. A failure is recorded as an exception event,
 * the `error.type` attribute and the status ERROR (with the error's message); a success leaves
 * the status unset, as OpenTelemetry's conventions ask of instrumentation libraries.
 */
import { SpanStatusCode, type Span } from '@opentelemetry/api'

/** Ends `span` as failed with `error` (an Error, or any thrown value). */
export function endFailed(span: Span, error: unknown): void {
  if (error instanceof Error) {
    span.recordException(error)
    span.setAttribute('error.type', error.name)
  } else {
    span.recordException(String(error))
    span.setAttribute('error.type', '_OTHER')
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) })
  span.end()
}

/**
 * Ends `span` when `outcome` settles, and returns it: a promise (or any thenable) ends the span
 * when it settles, with its rejection recorded; any other value ends it at once.
 */
export function endWith(span: Span, outcome: unknown): unknown {
  if (typeof (outcome as PromiseLike<unknown> | null)?.then !== 'function') {
    span.end()
    return outcome
  }
  return Promise.resolve(outcome).then(
    (value) => {
      span.end()
      return value
    },
    (error: unknown) => {
      endFailed(span, error)
      throw error
    },
  )
}
