/**
 * The OpenTelemetry SDK, set up the same way on both sides of the fork: a tracer provider,
 * the AsyncLocalStorage context manager (so a span stays active across awaits) and the W3C
 * trace-context propagator (which @forkrpc/tracing uses to put the context in a call's
 * metadata). NodeSDK from @opentelemetry/sdk-node registers the same three; an app would also
 * export to a collector (OTLP) instead of keeping the spans in memory as this example does.
 */
import { context, propagation, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'

/** A finished span as plain data, with the side it was recorded on. */
export interface FinishedSpan {
  name: string
  kind: 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER'
  side: string
  traceId: string
  spanId: string
  parentSpanId: string | undefined
  error: string | undefined
}

const kinds = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const

/** Registers the SDK globally; `side` labels the spans it records ('parent', 'worker 1234'). */
export function startTelemetry(side: string): { tracer: Tracer; finished(): FinishedSpan[] } {
  const exporter = new InMemorySpanExporter()
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  return {
    tracer: trace.getTracer('examples/tracing'),
    finished: () =>
      exporter.getFinishedSpans().map((span) => ({
        name: span.name,
        kind: kinds[span.kind] ?? 'INTERNAL',
        side,
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        error: span.status.code === SpanStatusCode.ERROR ? (span.status.message ?? 'error') : undefined,
      })),
  }
}
